import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePattern, fillTemplate, PatternError, renderInput, selectPath } from '../../src/engines/events/index.ts';

const event = {
  version: '0', id: 'e-1', 'detail-type': 'Order Placed', source: 'shop.orders', account: '000000000000', time: '2026-01-01T00:00:00Z',
  region: 'us-east-1', resources: ['arn:aws:x:1'],
  detail: { orderId: 'o-42', total: 120.5, items: ['book', 'pen'], customer: { tier: 'gold', email: 'Ann@Example.com' }, ip: '10.1.2.3', note: null },
};
const matches = (p: unknown) => compilePattern(JSON.stringify(p)).match(event);

describe('event patterns', () => {
  test('exact values, OR within arrays, nesting, array fields', () => {
    assert.ok(matches({ source: ['shop.orders'] }));
    assert.ok(matches({ source: ['other', 'shop.orders'], 'detail-type': ['Order Placed'] }));
    assert.ok(!matches({ source: ['other'] }));
    assert.ok(matches({ detail: { customer: { tier: ['gold'] } } }));
    assert.ok(matches({ detail: { items: ['pen'] } }), 'any element of an event array');
    assert.ok(matches({ detail: { total: [120.5] } }));
    assert.ok(!matches({ detail: { total: ['120.5'] } }), 'numbers and strings differ');
    assert.ok(matches({ detail: { note: [null] } }));
    assert.ok(!matches({ detail: { missing: ['x'] } }));
  });
  test('prefix, suffix, equals-ignore-case, wildcard, anything-but', () => {
    assert.ok(matches({ source: [{ prefix: 'shop.' }] }));
    assert.ok(matches({ detail: { customer: { email: [{ suffix: '@Example.com' }] } } }));
    assert.ok(matches({ detail: { customer: { email: [{ 'equals-ignore-case': 'ann@example.com' }] } } }));
    assert.ok(matches({ detail: { customer: { email: [{ prefix: { 'equals-ignore-case': 'ANN@' } }] } } }));
    assert.ok(matches({ detail: { orderId: [{ wildcard: 'o-*' }] } }));
    assert.ok(!matches({ detail: { orderId: [{ wildcard: 'x-*' }] } }));
    assert.ok(matches({ detail: { customer: { tier: [{ 'anything-but': ['silver', 'bronze'] }] } } }));
    assert.ok(!matches({ detail: { customer: { tier: [{ 'anything-but': 'gold' }] } } }));
    assert.ok(matches({ source: [{ 'anything-but': { prefix: 'aws.' } }] }));
    assert.ok(!matches({ detail: { missing: [{ 'anything-but': 'x' }] } }), 'anything-but needs the field');
  });
  test('numeric, exists, cidr, $or', () => {
    assert.ok(matches({ detail: { total: [{ numeric: ['>', 100, '<=', 200] }] } }));
    assert.ok(!matches({ detail: { total: [{ numeric: ['<', 100] }] } }));
    assert.ok(matches({ detail: { total: [{ numeric: ['=', 120.5] }] } }));
    assert.ok(matches({ detail: { orderId: [{ exists: true }], missing: [{ exists: false }] } }));
    assert.ok(!matches({ detail: { orderId: [{ exists: false }] } }));
    assert.ok(matches({ detail: { ip: [{ cidr: '10.1.0.0/16' }] } }));
    assert.ok(!matches({ detail: { ip: [{ cidr: '10.2.0.0/16' }] } }));
    assert.ok(matches({ source: ['shop.orders'], $or: [{ detail: { total: [{ numeric: ['>', 1000] }] } }, { detail: { customer: { tier: ['gold'] } } }] }));
    assert.ok(!matches({ $or: [{ source: ['a'] }, { source: ['b'] }] }));
  });
  test('invalid patterns say why', () => {
    for (const bad of ['not json', '[]', '{}', '{"source":"shop.orders"}', '{"source":[]}', '{"a":[{"numeric":[">"]}]}', '{"a":[{"nope":1}]}', '{"a":[{"exists":"yes"}]}', '{"a":[{"prefix":1}]}', '{"a":[{"cidr":"10.0.0.0/40"}]}', '{"$or":[{"a":["x"]}]}']) {
      assert.throws(() => compilePattern(bad), PatternError, bad);
    }
  });
});

describe('target input', () => {
  const rule = { arn: 'arn:aws:events:us-east-1:000000000000:rule/r', name: 'r' };
  const json = JSON.stringify(event);
  test('the event, Input, InputPath', () => {
    assert.equal(renderInput({}, event, json, rule), json);
    assert.equal(renderInput({ input: '{"fixed":true}' }, event, json, rule), '{"fixed":true}');
    assert.equal(renderInput({ inputPath: '$.detail.customer' }, event, json, rule), '{"tier":"gold","email":"Ann@Example.com"}');
    assert.equal(selectPath(event, '$.detail.items[1]'), 'pen');
    assert.equal(selectPath(event, "$['detail-type']"), 'Order Placed');
  });
  test('InputTransformer: JSON templates and string templates', () => {
    const t = { inputTransformer: { inputPathsMap: { id: '$.detail.orderId', total: '$.detail.total', items: '$.detail.items' }, inputTemplate: '{"order": <id>, "label": "order <id> of <total>", "items": <items>, "rule": "<aws.events.rule-name>"}' } };
    assert.deepEqual(JSON.parse(renderInput(t, event, json, rule)), { order: 'o-42', label: 'order o-42 of 120.5', items: ['book', 'pen'], rule: 'r' });
    assert.equal(fillTemplate('"Order <id> placed"', { id: 'o-1' }), '"Order o-1 placed"');
    assert.equal(fillTemplate('Order <id> is <missing>', { id: 'o-1' }), 'Order o-1 is <missing>');
  });
});
