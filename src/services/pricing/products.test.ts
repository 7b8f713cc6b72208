import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PriceCatalog, ReservedOffering } from '../../engines/billing/types.ts';
import { filterPredicate } from './index.ts';
import { fieldOf, priceListItem, productsOf, publication, skuOf } from './products.ts';

// A small hand-made catalog: two regions, three instance types, one host family.
export const fakeCatalog: PriceCatalog = {
  regions: () => ['us-east-1', 'us-west-2'],
  onDemandHourly: (region, type) => {
    const base = ({ 't3.micro': 0.0104, 'm7i.large': 0.1008, 'c7i.large': 0.08925 } as Record<string, number>)[type];
    return base === undefined ? undefined : region === 'us-west-2' ? base * 1.1 : base;
  },
  hostHourly: (_r, family) => (family === 'm7i' ? 2.2 : undefined),
  hostCapacity: (family) => (family === 'm7i' ? { sockets: 2, cores: 48, vcpus: 128 } : undefined),
  lambda: () => ({ requestPerMillion: 0.2, gbSecond: 0.0000166667 }),
  fargate: () => ({ vcpuHour: 0.04048, gbHour: 0.004445 }),
  source: { url: 'https://aws.amazon.com/ec2/pricing/on-demand/', retrieved: '2025-11-01', note: 'test' },
};

const riOffering: ReservedOffering = {
  id: 'ri-1', instanceType: 'm7i.large', region: 'us-east-1', durationSec: 31536000, offeringClass: 'standard', offeringType: 'Partial Upfront',
  fixedPrice: 300, recurringHourly: 0.0342, productDescription: 'Linux/UNIX', scope: 'Region', tenancy: 'default',
};
const src = { catalog: fakeCatalog, reserved: { offerings: (region: string, q?: { instanceType?: string }) => (region === 'us-east-1' && q?.instanceType === 'm7i.large' ? [riOffering] : []) } };

describe('price list products', () => {
  test('EC2: one product per type × tenancy × region, plus dedicated hosts', () => {
    const ps = productsOf(src, 'AmazonEC2');
    assert.equal(ps.filter((p) => p.productFamily === 'Compute Instance').length, 3 * 3 * 2);
    assert.equal(ps.filter((p) => p.productFamily === 'Dedicated Host').length, 2);
    const m7i = ps.find((p) => p.attributes.instanceType === 'm7i.large' && p.attributes.tenancy === 'Shared' && p.attributes.regionCode === 'us-east-1')!;
    assert.equal(m7i.attributes.instanceFamily, 'General purpose');
    assert.equal(m7i.attributes.vcpu, '2');
    assert.equal(m7i.attributes.memory, '8 GiB');
    assert.equal(m7i.attributes.location, 'US East (N. Virginia)');
    assert.equal(m7i.attributes.usagetype, 'BoxUsage:m7i.large');
    assert.equal(m7i.attributes.capacitystatus, 'Used');
    const west = ps.find((p) => p.attributes.instanceType === 'm7i.large' && p.attributes.tenancy === 'Dedicated' && p.attributes.regionCode === 'us-west-2')!;
    assert.equal(west.attributes.usagetype, 'USW2-DedicatedUsage:m7i.large');
    assert.equal(ps.find((p) => p.attributes.instanceType === 't3.micro')!.attributes.memory, '1 GiB');
    // SKUs are stable and distinct.
    assert.equal(m7i.sku, skuOf('AmazonEC2', 'us-east-1', 'm7i.large', 'Shared', 'Linux', 'Used'));
    assert.equal(new Set(ps.map((p) => p.sku)).size, ps.length);
    assert.match(m7i.sku, /^[A-Z0-9]{16}$/);
  });

  test('aws_v1 document: On-Demand and Reserved terms', () => {
    const m7i = productsOf(src, 'AmazonEC2').find((p) => p.attributes.instanceType === 'm7i.large' && p.attributes.tenancy === 'Shared' && p.attributes.regionCode === 'us-east-1')!;
    const doc = JSON.parse(priceListItem(m7i, publication(fakeCatalog)));
    assert.equal(doc.serviceCode, 'AmazonEC2');
    assert.equal(doc.product.sku, m7i.sku);
    const od = doc.terms.OnDemand[`${m7i.sku}.JRTCKXETXF`];
    assert.equal(od.offerTermCode, 'JRTCKXETXF');
    const dim = od.priceDimensions[`${m7i.sku}.JRTCKXETXF.6YS6EN2CT7`];
    assert.deepEqual(dim.pricePerUnit, { USD: '0.1008000000' });
    assert.equal(dim.unit, 'Hrs');
    assert.equal(dim.beginRange, '0');
    assert.equal(dim.endRange, 'Inf');
    assert.deepEqual(dim.appliesTo, []);
    const ri = doc.terms.Reserved[`${m7i.sku}.HU7G6KETJZ`];
    assert.deepEqual(ri.termAttributes, { LeaseContractLength: '1yr', OfferingClass: 'standard', PurchaseOption: 'Partial Upfront' });
    assert.equal(ri.priceDimensions[`${m7i.sku}.HU7G6KETJZ.2TG2D8R56U`].pricePerUnit.USD, '300.0000000000');
    assert.equal(ri.priceDimensions[`${m7i.sku}.HU7G6KETJZ.6YS6EN2CT7`].pricePerUnit.USD, '0.0342000000');
    assert.equal(doc.publicationDate, '2025-11-01T00:00:00Z');
    assert.equal(doc.version, '20251101000000');
  });

  test('Lambda and Fargate', () => {
    const lambda = productsOf(src, 'AWSLambda');
    assert.equal(lambda.length, 4);
    const req = lambda.find((p) => p.attributes.group === 'AWS-Lambda-Requests' && p.attributes.regionCode === 'us-east-1')!;
    assert.equal(req.onDemand[0]!.dimensions[0]!.usd.toFixed(10), '0.0000002000');
    const ecs = productsOf(src, 'AmazonECS');
    assert.deepEqual(ecs.filter((p) => p.attributes.regionCode === 'us-east-1').map((p) => p.attributes.usagetype), ['USE1-Fargate-vCPU-Hours:perCPU', 'USE1-Fargate-GB-Hours']);
  });

  test('filters', () => {
    const ps = productsOf(src, 'AmazonEC2');
    const match = (...fs: Parameters<typeof filterPredicate>[0][]) => ps.filter((p) => fs.map(filterPredicate).every((f) => f(p)));
    assert.equal(match({ Type: 'TERM_MATCH', Field: 'instanceType', Value: 'T3.MICRO' }).length, 6);
    assert.equal(match({ Type: 'EQUALS', Field: 'instanceType', Value: 'T3.MICRO' }).length, 0);
    assert.equal(match({ Type: 'TERM_MATCH', Field: 'instancetype', Value: 't3.micro' }, { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }, { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' }).length, 1);
    assert.equal(match({ Type: 'CONTAINS', Field: 'instanceType', Value: '7i.' }).length, 12);
    assert.equal(match({ Type: 'ANY_OF', Field: 'instanceType', Value: 'm7i.large, c7i.large' }).length, 12);
    assert.equal(match({ Type: 'NONE_OF', Field: 'tenancy', Value: 'Host,Dedicated' }).length, 6);
    assert.equal(match({ Type: 'TERM_MATCH', Field: 'productFamily', Value: 'Dedicated Host' }).length, 2);
    assert.equal(fieldOf(ps[0]!, 'ServiceCode'), 'AmazonEC2');
    assert.throws(() => filterPredicate({ Type: 'FUZZY' as never, Field: 'x', Value: 'y' }), /InvalidParameterException|Invalid filter type/);
    assert.throws(() => filterPredicate({ Type: 'TERM_MATCH', Field: '', Value: 'y' }), { name: 'InvalidParameterException' });
  });
});
