import assert from 'node:assert/strict';
import { GetCostAndUsageCommand, GetDimensionValuesCommand } from '@aws-sdk/client-cost-explorer';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { after, before, describe, test } from 'node:test';
import { launch, waitState } from '../support/ec2.ts';
import { DAY, HOUR, startBilling, T0, type BillingTest } from './support.ts';

// Real instances: EC2 meters them from `running` to termination on the ManualClock, Cost Explorer bills them.

describe('Cost Explorer bills real EC2 instances', () => {
  let b: BillingTest;
  before(async () => {
    b = await startBilling();
  });
  after(async () => {
    await b?.close();
  });

  test('2 × m7i.large running for 10 hours = 2 × 10 × 0.1008 = 2.016 USD', async () => {
    const instances = await launch(b.t.ec2, { type: 'm7i.large', count: 2 });
    const ids = instances.map((i) => i.InstanceId!);
    for (const id of ids) await waitState(b.t.ec2, id, 'running');
    b.clock.advance(10 * HOUR);
    await b.t.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    for (const id of ids) await waitState(b.t.ec2, id, 'terminated');
    b.clock.set(T0 + DAY);

    const out = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost', 'UsageQuantity'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
    }));
    const [g] = out.ResultsByTime![0]!.Groups!;
    assert.deepEqual(g!.Keys, ['BoxUsage:m7i.large']);
    assert.deepEqual(g!.Metrics!.UnblendedCost, { Amount: '2.016', Unit: 'USD' });
    assert.deepEqual(g!.Metrics!.UsageQuantity, { Amount: '20', Unit: 'Hrs' });
    const one = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'],
      Filter: { Dimensions: { Key: 'RESOURCE_ID', Values: [ids[0]!] } },
    }));
    assert.equal(one.ResultsByTime![0]!.Total!.UnblendedCost!.Amount, '1.008');
    const azs = await b.ce.send(new GetDimensionValuesCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Dimension: 'AZ' }));
    assert.ok(azs.DimensionValues!.every((v) => /^us-east-1[a-c]$/.test(v.Value!)), JSON.stringify(azs.DimensionValues));
  });
});
