import assert from 'node:assert/strict';
import {
  CreateSavingsPlanCommand, DeleteQueuedSavingsPlanCommand, DescribeSavingsPlanRatesCommand, DescribeSavingsPlansCommand,
  DescribeSavingsPlansOfferingRatesCommand, DescribeSavingsPlansOfferingsCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-savingsplans';
import { after, before, describe, test } from 'node:test';
import { DAY, errorOf, startBilling, type BillingTest } from './support.ts';

const YEAR = 31_536_000;

describe('Savings Plans through the SDK', () => {
  let b: BillingTest;
  let computeNoUpfront: string;
  let computePartial: string;
  before(async () => {
    b = await startBilling();
    const offers = await b.sp.send(new DescribeSavingsPlansOfferingsCommand({ planTypes: ['Compute'], durations: [YEAR] }));
    computeNoUpfront = offers.searchResults!.find((o) => o.paymentOption === 'No Upfront')!.offeringId!;
    computePartial = offers.searchResults!.find((o) => o.paymentOption === 'Partial Upfront')!.offeringId!;
  });
  after(async () => {
    await b?.close();
  });

  test('offerings and offering rates', async () => {
    const compute = await b.sp.send(new DescribeSavingsPlansOfferingsCommand({ planTypes: ['Compute'] }));
    assert.equal(compute.searchResults!.length, 6);
    const o = compute.searchResults!.find((x) => x.offeringId === computeNoUpfront)!;
    assert.deepEqual(o.productTypes, ['EC2', 'Fargate', 'Lambda']);
    assert.equal(o.durationSeconds, YEAR);
    assert.equal(o.currency, 'USD');
    assert.equal(o.usageType, 'ComputeSP:1yrNoUpfront');
    const ec2 = await b.sp.send(new DescribeSavingsPlansOfferingsCommand({
      planTypes: ['EC2Instance'], durations: [YEAR], paymentOptions: ['All Upfront'],
      filters: [{ name: 'region', values: ['us-east-1'] }, { name: 'instanceFamily', values: ['m7i'] }],
    }));
    assert.equal(ec2.searchResults!.length, 1);
    assert.deepEqual(ec2.searchResults![0]!.properties, [{ name: 'region', value: 'us-east-1' }, { name: 'instanceFamily', value: 'm7i' }]);
    const rates = await b.sp.send(new DescribeSavingsPlansOfferingRatesCommand({
      savingsPlanOfferingIds: [computeNoUpfront], filters: [{ name: 'region', values: ['us-east-1'] }, { name: 'instanceType', values: ['m7i.large'] }],
    }));
    assert.equal(rates.searchResults!.length, 1);
    const r = rates.searchResults![0]!;
    // Compute 1 year No Upfront: 27 % off EC2 in the catalog → 0.1008 × 0.73.
    assert.equal(r.rate, '0.073584');
    assert.equal(r.unit, 'Hrs');
    assert.equal(r.usageType, 'BoxUsage:m7i.large');
    assert.equal(r.savingsPlanOffering!.offeringId, computeNoUpfront);
    assert.ok(r.properties!.some((p) => p.name === 'instanceType' && p.value === 'm7i.large'));
    const page1 = await b.sp.send(new DescribeSavingsPlansOfferingRatesCommand({ savingsPlanOfferingIds: [computeNoUpfront], maxResults: 10 }));
    assert.equal(page1.searchResults!.length, 10);
    const page2 = await b.sp.send(new DescribeSavingsPlansOfferingRatesCommand({ savingsPlanOfferingIds: [computeNoUpfront], maxResults: 10, nextToken: page1.nextToken }));
    assert.notDeepEqual(page2.searchResults![0], page1.searchResults![0]);
  });

  test('create, describe, rates, queued delete, tags', async () => {
    const { savingsPlanId } = await b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: computeNoUpfront, commitment: '0.05', tags: { team: 'blue' } }));
    assert.match(savingsPlanId!, /^[0-9a-f-]{36}$/);
    const [plan] = (await b.sp.send(new DescribeSavingsPlansCommand({ savingsPlanIds: [savingsPlanId!] }))).savingsPlans!;
    assert.equal(plan!.state, 'active');
    assert.equal(plan!.commitment, '0.05');
    assert.equal(plan!.savingsPlanType, 'Compute');
    assert.equal(plan!.paymentOption, 'No Upfront');
    assert.equal(plan!.upfrontPaymentAmount, '0');
    assert.equal(plan!.recurringPaymentAmount, '0.05');
    assert.equal(plan!.termDurationInSeconds, YEAR);
    assert.equal(plan!.currency, 'USD');
    assert.equal(plan!.start, new Date(b.clock.now()).toISOString());
    assert.equal(plan!.end, new Date(b.clock.now() + YEAR * 1000).toISOString());
    assert.match(plan!.savingsPlanArn!, new RegExp(`^arn:aws:savingsplans::000000000000:savingsplan/${savingsPlanId}$`));
    assert.deepEqual(plan!.tags, { team: 'blue' });

    const rates = await b.sp.send(new DescribeSavingsPlanRatesCommand({ savingsPlanId, filters: [{ name: 'region', values: ['us-east-1'] }, { name: 'instanceType', values: ['m7i.large'] }] }));
    assert.equal(rates.searchResults!.length, 1);
    assert.equal(rates.searchResults![0]!.rate, '0.073584');

    // Partial Upfront, queued for tomorrow: half upfront (0.5 × 8760 × 0.1 = 438), the rest hourly.
    const start = new Date(b.clock.now() + DAY);
    const queued = await b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: computePartial, commitment: '0.1', upfrontPaymentAmount: '438', purchaseTime: start }));
    const [q] = (await b.sp.send(new DescribeSavingsPlansCommand({ states: ['queued'] }))).savingsPlans!;
    assert.equal(q!.savingsPlanId, queued.savingsPlanId);
    assert.equal(q!.start, start.toISOString());
    assert.equal(q!.upfrontPaymentAmount, '438');
    assert.equal(q!.recurringPaymentAmount, '0.05');
    const filtered = await b.sp.send(new DescribeSavingsPlansCommand({ filters: [{ name: 'payment-option', values: ['Partial Upfront'] }] }));
    assert.deepEqual(filtered.savingsPlans!.map((p) => p.savingsPlanId), [queued.savingsPlanId]);

    // Only queued plans can be deleted.
    const active = await errorOf(b.sp.send(new DeleteQueuedSavingsPlanCommand({ savingsPlanId })));
    assert.equal(active.name, 'ValidationException');
    await b.sp.send(new DeleteQueuedSavingsPlanCommand({ savingsPlanId: queued.savingsPlanId }));
    const [deleted] = (await b.sp.send(new DescribeSavingsPlansCommand({ savingsPlanIds: [queued.savingsPlanId!] }))).savingsPlans!;
    assert.equal(deleted!.state, 'queued-deleted');
    assert.equal((await errorOf(b.sp.send(new DeleteQueuedSavingsPlanCommand({ savingsPlanId: '11111111-2222-4333-8444-555555555555' })))).name, 'ResourceNotFoundException');

    await b.sp.send(new TagResourceCommand({ resourceArn: plan!.savingsPlanArn, tags: { env: 'test', team: 'red' } }));
    assert.deepEqual((await b.sp.send(new ListTagsForResourceCommand({ resourceArn: plan!.savingsPlanArn }))).tags, { team: 'red', env: 'test' });
    await b.sp.send(new UntagResourceCommand({ resourceArn: plan!.savingsPlanArn, tagKeys: ['team'] }));
    assert.deepEqual((await b.sp.send(new ListTagsForResourceCommand({ resourceArn: plan!.savingsPlanArn }))).tags, { env: 'test' });
    const missing = await errorOf(b.sp.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:savingsplans::000000000000:savingsplan/11111111-2222-4333-8444-555555555555' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.status, 404);
  });

  test('bad input', async () => {
    const create = (over: Record<string, unknown>) => errorOf(b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: computeNoUpfront, commitment: '1', ...over } as never)));
    for (const commitment of ['abc', '0', '-1', '0.0001', '1e3', '']) {
      const e = await create({ commitment });
      assert.equal(e.name, 'ValidationException', commitment);
      assert.equal(e.status, 400);
    }
    assert.match((await create({ commitment: '1.2345' })).message, /3 decimal places/);
    assert.equal((await create({ savingsPlanOfferingId: '11111111-2222-4333-8444-555555555555' })).name, 'ResourceNotFoundException');
    assert.match((await create({ upfrontPaymentAmount: '100' })).message, /only supported for the Partial Upfront/);
    assert.match((await create({ savingsPlanOfferingId: computePartial, upfrontPaymentAmount: '1' })).message, /between 50 and 99 percent/);
    assert.match((await create({ purchaseTime: new Date(b.clock.now() - DAY) })).message, /in the past/);
    assert.equal((await errorOf(b.sp.send(new DescribeSavingsPlansCommand({ filters: [{ name: 'colour' as never, values: ['x'] }] })))).name, 'ValidationException');
    assert.equal((await errorOf(b.sp.send(new DescribeSavingsPlansCommand({ nextToken: 'nope' })))).name, 'ValidationException');
    // A retried create with the same clientToken buys one plan.
    const before = (await b.sp.send(new DescribeSavingsPlansCommand({}))).savingsPlans!.length;
    const a = await b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: computeNoUpfront, commitment: '0.01', clientToken: 'once' }));
    const again = await b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: computeNoUpfront, commitment: '0.01', clientToken: 'once' }));
    assert.equal(again.savingsPlanId, a.savingsPlanId);
    assert.equal((await b.sp.send(new DescribeSavingsPlansCommand({}))).savingsPlans!.length, before + 1);
  });
});
