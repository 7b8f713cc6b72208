// Formatting helpers shared by pages.

const FAMILY: Record<string, string> = {
  t: 'general purpose', m: 'general purpose', c: 'compute optimized', r: 'memory optimized', x: 'memory optimized',
  g: 'accelerated computing', p: 'accelerated computing', i: 'storage optimized', d: 'storage optimized',
};

/** "m7i.large" → "m7i (general purpose)". */
export function family(type: string | undefined): string {
  if (!type) return '–';
  const f = type.split('.')[0]!;
  return `${f} (${FAMILY[f[0]!] ?? 'other'})`;
}

export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(b64: string | undefined): string {
  if (!b64) return '';
  const s = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

export const utf8 = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : '');

export function mib(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

/** Pretty JSON when the text is JSON, the text otherwise. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** "345600" → "4 d", "30" → "30 s". */
export function seconds(v: string | number | undefined): string {
  if (v === undefined || v === '') return '–';
  const n = Number(v);
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['min', 60]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} s`;
}
