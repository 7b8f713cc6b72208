import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTANCE_TYPES } from '../../services/ec2/catalog/instance-types.ts';
import { Catalog, familyOf } from './catalog/catalog.ts';

const c = new Catalog();

test('every instance type EC2 offers has a Linux On-Demand price in the four priced regions', () => {
  for (const region of ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1']) {
    assert.ok(c.regions().includes(region));
    for (const t of INSTANCE_TYPES) assert.ok((c.onDemandHourly(region, t.name) ?? 0) > 0, `${t.name} in ${region}`);
  }
  assert.deepEqual(new Set(c.instanceTypes()), new Set(INSTANCE_TYPES.map((t) => t.name)), 'no prices for types EC2 does not offer');
  assert.equal(c.onDemandHourly('us-east-1', 'x9.huge'), undefined);
});

test('published us-east-1 prices, linear sizes, and derived regions', () => {
  assert.equal(c.onDemandHourly('us-east-1', 't3.nano'), 0.0052);
  assert.equal(c.onDemandHourly('us-east-1', 't3.micro'), 0.0104);
  assert.equal(c.onDemandHourly('us-east-1', 'm7i.large'), 0.1008);
  assert.equal(c.onDemandHourly('us-east-1', 'm7i.8xlarge'), 16 * 0.1008);
  assert.equal(c.onDemandHourly('us-east-1', 'c7i.large'), 0.08925);
  assert.equal(c.onDemandHourly('us-east-1', 'r7i.large'), 0.1323);
  assert.equal(c.onDemandHourly('us-east-1', 'g5.xlarge'), 1.006);
  assert.equal(c.onDemandHourly('us-east-1', 'i4i.large'), 0.172);
  assert.equal(c.onDemandHourly('us-east-1', 'd3.xlarge'), 0.499);
  assert.equal(c.onDemandHourly('us-east-2', 'm7i.large'), 0.1008);
  assert.equal(c.onDemandHourly('eu-west-1', 't3.micro'), 0.0114);
  assert.equal(c.onDemandHourly('eu-central-1', 'm7i.large'), 0.1159); // derived: × 1.15, four significant digits
  assert.equal(c.onDemandHourly('mars-north-1', 'm7i.large'), 0.1008, 'unknown regions priced like us-east-1');
  assert.match(c.source.url, /aws\.amazon\.com/);
  assert.match(c.source.retrieved, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(c.source.note, /APPROXIMATIONS/);
});

test('usage type prefixes, hosts, Lambda, Fargate, normalization factors', () => {
  assert.deepEqual(['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'ap-east-1'].map((r) => c.usageTypePrefix(r)), ['', 'USE2-', 'USW2-', 'EU-', 'APE1-']);
  for (const f of new Set(INSTANCE_TYPES.map((t) => familyOf(t.name)))) {
    assert.ok((c.hostHourly('us-east-1', f) ?? 0) > 0, `host ${f}`);
    const cap = c.hostCapacity(f)!;
    assert.ok(cap.sockets > 0 && cap.cores > 0 && cap.vcpus >= cap.cores, `capacity ${f}`);
    const largest = Math.max(...INSTANCE_TYPES.filter((t) => familyOf(t.name) === f).map((t) => t.vcpus));
    assert.ok(cap.vcpus >= largest, `a ${f} host holds its largest size`);
  }
  assert.equal(c.hostHourly('us-east-1', 'm7i.large'), c.hostHourly('us-east-1', 'm7i'));
  assert.deepEqual(c.lambda('us-east-1'), { requestPerMillion: 0.2, gbSecond: 0.0000166667 });
  assert.deepEqual(c.fargate('us-east-1'), { vcpuHour: 0.04048, gbHour: 0.004445 });
  assert.deepEqual(['t3.nano', 't3.micro', 't3.small', 'm7i.large', 'm7i.xlarge', 'g5.12xlarge', 'p5.48xlarge'].map((t) => c.normalizationFactor(t)), [0.25, 0.5, 1, 4, 8, 96, 384]);
});

test('discount tables: 3-year beats 1-year, All beats Partial beats No Upfront, standard beats convertible', () => {
  for (const cls of ['standard', 'convertible'] as const) {
    for (const d of [31_536_000, 94_608_000]) {
      assert.ok(c.riDiscount(cls, d, 'All Upfront') > c.riDiscount(cls, d, 'Partial Upfront'));
      assert.ok(c.riDiscount(cls, d, 'Partial Upfront') > c.riDiscount(cls, d, 'No Upfront'));
    }
    assert.ok(c.riDiscount(cls, 94_608_000, 'No Upfront') > c.riDiscount(cls, 31_536_000, 'All Upfront'));
  }
  assert.ok(c.riDiscount('standard', 31_536_000, 'No Upfront') > c.riDiscount('convertible', 31_536_000, 'No Upfront'));
  assert.ok(c.spDiscount('EC2Instance', 'EC2', 31_536_000, 'No Upfront') > c.spDiscount('Compute', 'EC2', 31_536_000, 'No Upfront'));
  assert.equal(c.spDiscount('EC2Instance', 'Lambda', 31_536_000, 'No Upfront'), 0);
});
