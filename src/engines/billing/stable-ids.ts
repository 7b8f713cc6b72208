import { createHash } from 'node:crypto';

/** A UUID-shaped id derived from a key (same key → same id on every start): offering ids. */
export function stableUuid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  // Version 4 / RFC 4122 variant nibbles so the id looks like the UUIDs AWS returns.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 32-bit FNV-1a of a string: a cheap, stable seed for the spot market's pseudo-random numbers. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small deterministic PRNG (uniform in [0, 1)) seeded by a 32-bit integer. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
