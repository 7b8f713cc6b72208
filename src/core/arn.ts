export function arn(parts: { partition?: string; service: string; region: string; account: string; resource: string }): string {
  return `arn:${parts.partition ?? 'aws'}:${parts.service}:${parts.region}:${parts.account}:${parts.resource}`;
}

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the account, colons included (e.g. 'function:name:alias', 'loadbalancer/app/web/abc'). */
  resource: string;
}

/** The parts of an ARN, or undefined when the text is not `arn:partition:service:region:account:resource`. */
export function parseArn(text: string): ParsedArn | undefined {
  const p = text.split(':');
  if (p.length < 6 || p[0] !== 'arn') return undefined;
  return { partition: p[1]!, service: p[2]!, region: p[3]!, account: p[4]!, resource: p.slice(5).join(':') };
}

/** Region and account of an ARN (empty strings when it is not one): the scope its resource lives in. */
export function scopeOfArn(text: string): { region: string; account: string } {
  const a = parseArn(text);
  return { region: a?.region ?? '', account: a?.account ?? '' };
}
