import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { md5Hex, md5OfAttributes } from './md5.ts';
import type { MessageAttributes } from './types.ts';

// Independent re-implementation of the documented algorithm, byte by byte, to check against.
function reference(attrs: MessageAttributes): string {
  const bytes: number[] = [];
  const put = (b: Buffer) => {
    bytes.push((b.length >>> 24) & 255, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255, ...b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    put(Buffer.from(name));
    put(Buffer.from(a.DataType));
    if (a.BinaryValue) {
      bytes.push(2);
      put(Buffer.from(a.BinaryValue));
    } else {
      bytes.push(1);
      put(Buffer.from(a.StringValue!));
    }
  }
  return createHash('md5').update(Buffer.from(bytes)).digest('hex');
}

test('body MD5 is the plain MD5 hex of the UTF-8 body', () => {
  assert.equal(md5Hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(md5Hex('héllo ✓'), createHash('md5').update(Buffer.from('héllo ✓', 'utf8')).digest('hex'));
});

test('attribute MD5 matches known vectors', () => {
  // Samples from the SQS developer guide, as used by other SQS implementations' tests.
  assert.equal(md5OfAttributes({
    test_attribute_name_2: { DataType: 'String', StringValue: 'test_attribute_value_2' },
    test_attribute_name_1: { DataType: 'String', StringValue: 'test_attribute_value_1' },
  }), 'd53f3b558fe951154770f25cb63dbba9');
  assert.equal(md5OfAttributes({ test_attribute_name: { DataType: 'Binary', BinaryValue: Buffer.from('test_attribute_value') } }), '23f6bd27ea87aab7dfeadcc9aebee495');
  assert.equal(md5OfAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } }), '235c5c510d26fb653d073faed50ae77c');
  assert.equal(md5OfAttributes({
    ordinal: { DataType: 'Number', StringValue: '1' },
    category: { DataType: 'String', StringValue: 'test' },
  }), 'd21ae90c49061e927f57df5f5d72be1f');
});

test('attribute MD5 agrees with an independent implementation (custom types, unicode, binary, order)', () => {
  const attrs: MessageAttributes = {
    zeta: { DataType: 'String.custom', StringValue: 'ünïcødé ✓' },
    Alpha: { DataType: 'Number.float', StringValue: '3.14' },
    blob: { DataType: 'Binary.gz', BinaryValue: Uint8Array.from([0, 1, 2, 255]) },
    alpha: { DataType: 'String', StringValue: 'x' },
  };
  assert.equal(md5OfAttributes(attrs), reference(attrs));
});
