import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineItem } from '../engines/billing/types.ts';
import { monthRange, summarizeBill } from '../gateway/bill-route.ts';
import { formatBill } from './billing.ts';

const item = (o: Partial<LineItem>): LineItem => ({
  hourMs: Date.UTC(2026, 10, 2), account: '000000000000', region: 'us-east-1', service: 'Amazon Elastic Compute Cloud - Compute',
  usageType: 'BoxUsage:m7i.large', purchaseType: 'On Demand Instances', quantity: 1, unit: 'Hrs', unblendedCost: 0.1008, amortizedCost: 0.1008, onDemandCost: 0.1008, ...o,
});

test('a bill sums line items per service and per (purchase type, usage type)', () => {
  const items = [
    item({}), item({}),
    item({ usageType: 'SpotUsage:m7i.large', purchaseType: 'Spot Instances', unblendedCost: 0.035, amortizedCost: 0.035 }),
    item({ service: 'AWS Lambda', usageType: 'Lambda-GB-Second', purchaseType: 'On Demand Instances', unit: 'Lambda-GB-Second', quantity: 600, unblendedCost: 0.01, amortizedCost: 0.01, onDemandCost: 0.01 }),
  ];
  const b = summarizeBill('000000000000', '2026-11', Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 3), items);
  assert.equal(b.services.length, 2);
  const ec2 = b.services[0];
  assert.equal(ec2.service, 'Amazon Elastic Compute Cloud - Compute');
  const od = ec2.lines.find((l) => l.usageType === 'BoxUsage:m7i.large')!;
  assert.equal(od.quantity, 2);
  assert.ok(Math.abs(od.cost - 0.2016) < 1e-12);
  assert.ok(Math.abs(b.total - (0.2016 + 0.035 + 0.01)) < 1e-12);
  assert.ok(Math.abs(b.onDemandEquivalent - (0.3024 + 0.01)) < 1e-12);
  const text = formatBill(b).join('\n');
  assert.match(text, /SpotUsage:m7i\.large/);
  assert.match(text, /Total\s+\$0\.25/);
  assert.match(text, /same usage at On-Demand prices\s+\$0\.31/);
});

test('month ranges end at the clock when the month is not over', () => {
  const now = Date.UTC(2026, 10, 27, 12);
  assert.deepEqual(monthRange(undefined, now), { month: '2026-11', fromMs: Date.UTC(2026, 10, 1), toMs: now });
  assert.deepEqual(monthRange('2026-10', now), { month: '2026-10', fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) });
  assert.equal(monthRange('2026-13', now), undefined);
});
