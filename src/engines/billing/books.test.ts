import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTANCE_TYPES } from '../../services/ec2/catalog/instance-types.ts';
import { ACCOUNT, engine, HOUR, T0 } from './test-support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const YEAR = 31_536_000;

test('RI offerings: every type × class × term × payment, stable ids, prices from the discount tables', () => {
  const a = engine().billing;
  const b = engine().billing;
  const offers = a.reserved.offerings('us-east-1');
  assert.equal(offers.length, INSTANCE_TYPES.length * 2 * 2 * 3);
  assert.deepEqual(b.reserved.offerings('us-east-1').map((o) => o.id), offers.map((o) => o.id), 'same ids on every start');
  assert.equal(new Set(offers.map((o) => o.id)).size, offers.length);
  assert.ok(offers.every((o) => UUID.test(o.id) && o.productDescription === 'Linux/UNIX' && o.scope === 'Region' && o.tenancy === 'default'));
  assert.ok(offers.every((o) => (o.offeringType === 'All Upfront' ? o.recurringHourly === 0 : o.offeringType === 'No Upfront' ? o.fixedPrice === 0 : o.fixedPrice > 0 && o.recurringHourly > 0)));
  const m3 = a.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'convertible', offeringType: 'All Upfront', durationSec: 94_608_000 });
  assert.equal(m3.length, 1);
  assert.equal(m3[0]!.fixedPrice, 1192.06); // 0.1008 × (1 − 0.55) × 26280 h = 1192.0608
  assert.equal(a.reserved.offering(m3[0]!.id)?.instanceType, 'm7i.large');
  assert.equal(a.reserved.offerings('us-east-1', { ids: [m3[0]!.id] }).length, 1);
  assert.notEqual(a.reserved.offerings('eu-west-1', { instanceType: 'm7i.large' })[0]!.id, a.reserved.offerings('us-east-1', { instanceType: 'm7i.large' })[0]!.id);
});

test('RI purchases: active in [start, end), retired after, per account and region', () => {
  const { billing } = engine();
  const o = billing.reserved.offerings('us-east-1', { instanceType: 't3.micro', durationSec: YEAR, offeringType: 'Partial Upfront', offeringClass: 'standard' })[0]!;
  const ri = billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, 3, T0);
  assert.equal(ri.state, 'active');
  assert.equal(ri.endMs - ri.startMs, YEAR * 1000);
  assert.equal(ri.instanceCount, 3);
  assert.equal(ri.fixedPrice, o.fixedPrice);
  assert.equal(billing.reserved.list({ account: ACCOUNT, region: 'us-east-1' }, T0 + YEAR * 1000 - 1)[0]!.state, 'active');
  assert.equal(billing.reserved.list({ account: ACCOUNT, region: 'us-east-1' }, T0 + YEAR * 1000)[0]!.state, 'retired');
  assert.equal(billing.reserved.list({ account: ACCOUNT, region: 'us-west-2' }, T0).length, 0);
  assert.equal(billing.reserved.list({ account: '111111111111', region: 'us-east-1' }, T0).length, 0);
});

test('Savings Plan offerings: Compute (all products) and EC2 Instance (family + region, EC2 only), stable ids', () => {
  const { billing } = engine();
  const compute = billing.savingsPlans.offerings({ planTypes: ['Compute'] });
  assert.equal(compute.length, 6);
  assert.ok(compute.every((o) => o.productTypes.join() === 'EC2,Fargate,Lambda' && !o.region && !o.instanceFamily && UUID.test(o.offeringId)));
  const m7i = billing.savingsPlans.offerings({ planTypes: ['EC2Instance'], instanceFamily: 'm7i', region: 'us-east-1' });
  assert.equal(m7i.length, 6);
  assert.ok(m7i.every((o) => o.productTypes.join() === 'EC2'));
  assert.deepEqual(engine().billing.savingsPlans.offerings().map((o) => o.offeringId), billing.savingsPlans.offerings().map((o) => o.offeringId));
  assert.equal(billing.savingsPlans.offerings({ ids: [m7i[0]!.offeringId] })[0]!.description, m7i[0]!.description);
});

test('Savings Plan rates: discounted EC2 (with region prefix), Fargate and Lambda', () => {
  const { billing } = engine();
  const c1 = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['No Upfront'], durationsSec: [YEAR] })[0]!;
  const rates = billing.savingsPlans.rates(c1.offeringId, 'us-east-2');
  assert.equal(rates.find((r) => r.instanceType === 'm7i.large')!.rate, 0.073584); // 0.1008 × 0.73
  assert.equal(rates.find((r) => r.instanceType === 'm7i.large')!.usageType, 'USE2-BoxUsage:m7i.large');
  assert.equal(rates.find((r) => r.usageType === 'USE2-Fargate-vCPU-Hours:perCPU')!.rate, 0.032384);
  assert.equal(rates.find((r) => r.productType === 'Lambda')!.rate, 0.0000146667); // 0.0000166667 × 0.88
  const e = billing.savingsPlans.offerings({ planTypes: ['EC2Instance'], instanceFamily: 'c7i', region: 'eu-west-1' })[0]!;
  const er = billing.savingsPlans.rates(e.offeringId);
  assert.ok(er.length === 5 && er.every((r) => r.productType === 'EC2' && r.instanceType!.startsWith('c7i.') && r.region === 'eu-west-1'));
  assert.deepEqual(billing.savingsPlans.rates(e.offeringId, 'us-east-1'), []);
});

test('Savings Plans: upfront and recurring per payment option, ARN, queued → active → retired, deleteQueued, tags', () => {
  const { billing } = engine();
  const pick = (p: 'All Upfront' | 'Partial Upfront' | 'No Upfront') => billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: [p], durationsSec: [YEAR] })[0]!.offeringId;
  const all = billing.savingsPlans.create(ACCOUNT, { offeringId: pick('All Upfront'), commitment: 2 }, T0);
  assert.deepEqual([all.upfrontPaymentAmount, all.recurringPaymentAmount], [17520, 0]);
  const part = billing.savingsPlans.create(ACCOUNT, { offeringId: pick('Partial Upfront'), commitment: 2 }, T0);
  assert.deepEqual([part.upfrontPaymentAmount, part.recurringPaymentAmount], [8760, 1]);
  const none = billing.savingsPlans.create(ACCOUNT, { offeringId: pick('No Upfront'), commitment: 2, tags: { a: '1' } }, T0);
  assert.deepEqual([none.upfrontPaymentAmount, none.recurringPaymentAmount], [0, 2]);
  assert.equal(none.arn, `arn:aws:savingsplans::${ACCOUNT}:savingsplan/${none.id}`);
  assert.ok(UUID.test(none.id) || /^[0-9a-f-]{36}$/.test(none.id));
  assert.equal(none.state, 'active');

  const queued = billing.savingsPlans.create(ACCOUNT, { offeringId: pick('No Upfront'), commitment: 1, purchaseTimeMs: T0 + 24 * HOUR }, T0);
  assert.equal(queued.state, 'queued');
  assert.equal(queued.startMs, T0 + 24 * HOUR);
  assert.equal(billing.savingsPlans.deleteQueued(ACCOUNT, none.id, T0), false, 'only queued plans can be deleted');
  assert.equal(billing.savingsPlans.deleteQueued(ACCOUNT, queued.id, T0), true);
  const states = (at: number) => Object.fromEntries(billing.savingsPlans.list(ACCOUNT, at).map((p) => [p.id, p.state]));
  assert.equal(states(T0)[queued.id], 'queued-deleted');
  assert.equal(states(T0 + YEAR * 1000)[none.id], 'retired');

  assert.equal(billing.savingsPlans.setTags(ACCOUNT, none.arn, { b: '2' }), true);
  assert.equal(billing.savingsPlans.removeTags(ACCOUNT, none.arn, ['a']), true);
  assert.deepEqual(billing.savingsPlans.list(ACCOUNT, T0).find((p) => p.id === none.id)!.tags, { b: '2' });
  assert.equal(billing.savingsPlans.setTags('111111111111', none.arn, { x: 'y' }), false, 'another account cannot tag it');
  assert.equal(billing.savingsPlans.list('111111111111', T0).length, 0);
});
