// Cost Explorer renders every number as a string. Amounts keep up to 10 decimals (trailing zeros trimmed, never
// exponent notation): 2 × 10 h × 0.1008 → "2.016".

export function amount(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const s = (Math.abs(x) < 5e-11 ? 0 : x).toFixed(10).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** A percentage with at most 2 decimals ("87.5"); "0" when the denominator is 0. */
export function percent(part: number, whole: number): string {
  if (!whole) return '0';
  return amount(Math.round((part / whole) * 100 * 100) / 100);
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
