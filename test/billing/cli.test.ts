import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing, boto3, boto3Missing } from '../support/awscli.ts';
import { DAY, HOUR, meterInstance, startBilling, T0, type BillingTest } from './support.ts';

// The billing APIs as Debian's AWS CLI (2.9) and boto3 (1.26) speak them.

describe('Billing APIs through the AWS CLI and boto3', () => {
  let b: BillingTest;
  before(async () => {
    b = await startBilling();
    meterInstance(b, 'i-00000000000000001', 'm7i.large', T0 + HOUR, T0 + 11 * HOUR);
    meterInstance(b, 'i-00000000000000002', 'm7i.large', T0 + HOUR, T0 + 11 * HOUR);
    b.clock.set(T0 + DAY);
  });
  after(async () => {
    await b?.close();
  });

  const { aws, awsError } = awsCli(() => b.t.endpoint);

  test('aws ce get-cost-and-usage, aws pricing get-products, aws savingsplans', { skip: awsCliMissing }, async () => {
    const cost = await aws('ce', 'get-cost-and-usage', '--time-period', 'Start=2026-03-01,End=2026-03-02', '--granularity', 'DAILY', '--metrics', 'UnblendedCost', 'UsageQuantity',
      '--group-by', 'Type=DIMENSION,Key=INSTANCE_TYPE');
    const [g] = cost.ResultsByTime[0].Groups;
    assert.deepEqual(g.Keys, ['m7i.large']);
    assert.deepEqual(g.Metrics.UnblendedCost, { Amount: '2.016', Unit: 'USD' }); // 2 × 10 h × 0.1008
    assert.deepEqual(g.Metrics.UsageQuantity, { Amount: '20', Unit: 'Hrs' });
    const products = await aws('pricing', 'get-products', '--service-code', 'AmazonEC2', '--filters',
      'Type=TERM_MATCH,Field=instanceType,Value=m7i.large', 'Type=TERM_MATCH,Field=regionCode,Value=us-east-1', 'Type=TERM_MATCH,Field=tenancy,Value=Shared');
    assert.equal(products.PriceList.length, 1);
    const doc = JSON.parse(products.PriceList[0]);
    assert.equal((Object.values((Object.values(doc.terms.OnDemand)[0] as any).priceDimensions)[0] as any).pricePerUnit.USD, '0.1008000000');
    const offers = await aws('savingsplans', 'describe-savings-plans-offerings', '--plan-types', 'Compute', '--durations', '31536000', '--payment-options', 'No Upfront');
    assert.equal(offers.searchResults.length, 1);
    const bad = await awsError('ce', 'get-cost-and-usage', '--time-period', 'Start=2026-03-02,End=2026-03-01', '--granularity', 'DAILY', '--metrics', 'UnblendedCost');
    assert.match(bad, /ValidationException.*Start date \(and hour\) should be before end date \(and hour\)/);
  });

  test('boto3: ce, pricing, savingsplans', { skip: boto3Missing }, async () => {
    const script = `
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
ce = boto3.client('ce', **kw)
r = ce.get_cost_and_usage(TimePeriod={'Start': '2026-03-01', 'End': '2026-03-02'}, Granularity='DAILY', Metrics=['UnblendedCost'], Filter={'Dimensions': {'Key': 'SERVICE', 'Values': ['Amazon Elastic Compute Cloud - Compute']}})
pricing = boto3.client('pricing', **kw)
p = pricing.get_products(ServiceCode='AmazonEC2', Filters=[{'Type': 'TERM_MATCH', 'Field': 'instanceType', 'Value': 't3.micro'}, {'Type': 'TERM_MATCH', 'Field': 'regionCode', 'Value': 'us-east-1'}, {'Type': 'TERM_MATCH', 'Field': 'tenancy', 'Value': 'Shared'}])
sp = boto3.client('savingsplans', **kw)
offer = sp.describe_savings_plans_offerings(planTypes=['Compute'], durations=[31536000], paymentOptions=['No Upfront'])['searchResults'][0]
created = sp.create_savings_plan(savingsPlanOfferingId=offer['offeringId'], commitment='0.01')
plans = sp.describe_savings_plans(savingsPlanIds=[created['savingsPlanId']])['savingsPlans']
try:
    sp.create_savings_plan(savingsPlanOfferingId=offer['offeringId'], commitment='0.0001')
    err = None
except sp.exceptions.ValidationException as e:
    err = e.response['Error']['Code']
print(json.dumps({'cost': r['ResultsByTime'][0]['Total']['UnblendedCost'], 'price': json.loads(p['PriceList'][0])['product']['attributes']['instanceType'],
  'state': plans[0]['state'], 'commitment': plans[0]['commitment'], 'err': err}))
`;
    const out = await boto3(b.t.endpoint, script);
    assert.deepEqual(out.cost, { Amount: '2.016', Unit: 'USD' });
    assert.equal(out.price, 't3.micro');
    assert.equal(out.state, 'active');
    assert.equal(out.commitment, '0.01');
    assert.equal(out.err, 'ValidationException');
  });
});
