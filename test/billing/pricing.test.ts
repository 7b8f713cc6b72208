import assert from 'node:assert/strict';
import { DescribeServicesCommand, GetAttributeValuesCommand, GetProductsCommand, paginateGetProducts } from '@aws-sdk/client-pricing';
import { after, before, describe, test } from 'node:test';
import { errorOf, startBilling, type BillingTest } from './support.ts';

describe('AWS Price List through the SDK', () => {
  let b: BillingTest;
  before(async () => {
    b = await startBilling();
  });
  after(async () => {
    await b?.close();
  });

  test('DescribeServices and GetAttributeValues', async () => {
    const all = await b.pricing.send(new DescribeServicesCommand({}));
    assert.deepEqual(all.Services!.map((s) => s.ServiceCode), ['AmazonEC2', 'AWSLambda', 'AmazonECS']);
    assert.equal(all.FormatVersion, 'aws_v1');
    const ec2 = await b.pricing.send(new DescribeServicesCommand({ ServiceCode: 'AmazonEC2' }));
    for (const a of ['instanceType', 'instanceFamily', 'vcpu', 'memory', 'regionCode', 'location', 'operatingSystem', 'tenancy', 'preInstalledSw', 'capacitystatus', 'licenseModel']) {
      assert.ok(ec2.Services![0]!.AttributeNames!.includes(a), a);
    }
    const tenancies = await b.pricing.send(new GetAttributeValuesCommand({ ServiceCode: 'AmazonEC2', AttributeName: 'tenancy' }));
    assert.deepEqual(tenancies.AttributeValues!.map((v) => v.Value), ['Dedicated', 'Host', 'Shared']);
    const types = await b.pricing.send(new GetAttributeValuesCommand({ ServiceCode: 'AmazonEC2', AttributeName: 'instanceType', MaxResults: 5 }));
    assert.equal(types.AttributeValues!.length, 5);
    assert.ok(types.NextToken);
    const more = await b.pricing.send(new GetAttributeValuesCommand({ ServiceCode: 'AmazonEC2', AttributeName: 'instanceType', MaxResults: 5, NextToken: types.NextToken }));
    assert.notEqual(more.AttributeValues![0]!.Value, types.AttributeValues![0]!.Value);
  });

  test('t3.micro in us-east-1 is the catalog price, with Reserved terms', async () => {
    const out = await b.pricing.send(new GetProductsCommand({
      ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1',
      Filters: [
        { Type: 'TERM_MATCH', Field: 'instanceType', Value: 't3.micro' },
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
        { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
        { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
        { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
        { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
      ],
    }));
    assert.equal(out.PriceList!.length, 1);
    const doc = JSON.parse(out.PriceList![0] as unknown as string);
    assert.equal(doc.product.productFamily, 'Compute Instance');
    assert.equal(doc.product.attributes.location, 'US East (N. Virginia)');
    assert.equal(doc.product.attributes.memory, '1 GiB');
    assert.equal(doc.product.attributes.instanceFamily, 'General purpose');
    const [od] = Object.values(doc.terms.OnDemand) as any[];
    const [dim] = Object.values(od.priceDimensions) as any[];
    assert.equal(dim.pricePerUnit.USD, '0.0104000000');
    assert.equal(dim.pricePerUnit.USD, b.t.nimbus.billing.catalog.onDemandHourly('us-east-1', 't3.micro')!.toFixed(10));
    assert.equal(od.offerTermCode, 'JRTCKXETXF');
    assert.equal(dim.unit, 'Hrs');
    // 2 classes × 2 terms × 3 payment options.
    assert.equal(Object.keys(doc.terms.Reserved).length, 12);
    // The same SKU on every query.
    const again = await b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: [{ Type: 'EQUALS', Field: 'sku', Value: doc.product.sku }] }));
    assert.equal(JSON.parse(again.PriceList![0] as unknown as string).product.attributes.instanceType, 't3.micro');
  });

  test('paging, Lambda, Fargate, dedicated hosts', async () => {
    let pages = 0;
    let n = 0;
    for await (const p of paginateGetProducts({ client: b.pricing, pageSize: 100 }, { ServiceCode: 'AmazonEC2', Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }] })) {
      pages += 1;
      n += p.PriceList!.length;
    }
    assert.ok(pages >= 2, `pages ${pages}`);
    assert.ok(n > 100);
    const lambda = await b.pricing.send(new GetProductsCommand({ ServiceCode: 'AWSLambda', Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }] }));
    assert.equal(lambda.PriceList!.length, 2);
    const fargate = await b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonECS', Filters: [{ Type: 'CONTAINS', Field: 'usagetype', Value: 'Fargate-vCPU' }, { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }] }));
    const doc = JSON.parse(fargate.PriceList![0] as unknown as string);
    const [od] = Object.values(doc.terms.OnDemand) as any[];
    assert.equal(Number((Object.values(od.priceDimensions)[0] as any).pricePerUnit.USD), b.t.nimbus.billing.catalog.fargate('us-east-1').vcpuHour);
    const hosts = await b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: [{ Type: 'TERM_MATCH', Field: 'productFamily', Value: 'Dedicated Host' }, { Type: 'ANY_OF', Field: 'instanceType', Value: 'm7i,c7i' }, { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }] }));
    assert.equal(hosts.PriceList!.length, 2);
  });

  test('errors', async () => {
    assert.equal((await errorOf(b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonS3' })))).name, 'NotFoundException');
    assert.equal((await errorOf(b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: [{ Type: 'FUZZY' as never, Field: 'x', Value: 'y' }] })))).name, 'InvalidParameterException');
    assert.equal((await errorOf(b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v2' })))).name, 'InvalidParameterException');
    assert.equal((await errorOf(b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', NextToken: 'garbage' })))).name, 'InvalidNextTokenException');
    assert.equal((await errorOf(b.pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', MaxResults: 500 })))).name, 'InvalidParameterException');
  });
});
