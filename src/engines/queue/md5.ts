import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from './types.ts';

export function md5Hex(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer[] {
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(bytes.length, 0);
  return [len, bytes];
}

/**
 * MD5OfMessageAttributes as SQS computes it (and as SDKs verify it): attributes sorted by name; for each, the
 * 4-byte big-endian length + UTF-8 bytes of the name, then of the data type, then one transport byte (1 string,
 * 2 binary) and the length-prefixed value. The same encoding gives MD5OfMessageSystemAttributes.
 */
export function md5OfAttributes(attrs: Record<string, MessageAttributeValue>): string {
  const h = createHash('md5');
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    for (const b of lengthPrefixed(Buffer.from(name, 'utf8'))) h.update(b);
    for (const b of lengthPrefixed(Buffer.from(a.DataType, 'utf8'))) h.update(b);
    if (isBinaryType(a.DataType)) {
      h.update(Buffer.of(2));
      for (const b of lengthPrefixed(Buffer.from(a.BinaryValue ?? new Uint8Array()))) h.update(b);
    } else {
      h.update(Buffer.of(1));
      for (const b of lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8'))) h.update(b);
    }
  }
  return h.digest('hex');
}

export function isBinaryType(dataType: string): boolean {
  return dataType === 'Binary' || dataType.startsWith('Binary.');
}
