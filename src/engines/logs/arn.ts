import { arn } from '../../core/arn.ts';
import { InvalidParameterException } from './errors.ts';
import type { GroupRef } from './types.ts';

/** `arn:aws:logs:{region}:{account}:log-group:{name}` (DescribeLogGroups' `arn` adds `:*`). */
export function logGroupArn(ref: GroupRef): string {
  return arn({ service: 'logs', region: ref.region, account: ref.account, resource: `log-group:${ref.name}` });
}

export function logStreamArn(ref: GroupRef, stream: string): string {
  return `${logGroupArn(ref)}:log-stream:${stream}`;
}

/** A log group ARN (with or without `:*`) → where the group lives; undefined when it is not one. */
export function parseLogGroupArn(value: string): GroupRef | undefined {
  const m = /^arn:[\w-]+:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(:\*)?$/.exec(value);
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}

/** logGroupName or logGroupIdentifier (a name or an ARN): exactly one of them. */
export function groupFrom(ctx: { account: string; region: string }, name: string | undefined, identifier: string | undefined): GroupRef {
  if (name && identifier) throw new InvalidParameterException('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  const id = name ?? identifier;
  if (!id) throw new InvalidParameterException('Either logGroupName or logGroupIdentifier must be specified.');
  if (identifier?.startsWith('arn:')) {
    const ref = parseLogGroupArn(identifier);
    if (!ref) throw new InvalidParameterException(`Invalid log group ARN: ${identifier}`);
    return ref;
  }
  return { account: ctx.account, region: ctx.region, name: id };
}

/**
 * Lambda's stream names: `YYYY/MM/DD/[$LATEST]<32 hex>` (the date of the environment's start, UTC).
 * `instance` is any id of the execution environment (hex is kept, other characters dropped, padded to 32).
 */
export function lambdaLogStreamName(startedAt: number, version: string, instance: string): string {
  const d = new Date(startedAt);
  const ymd = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  const hex = instance.toLowerCase().replace(/[^0-9a-f]/g, '').padEnd(32, '0').slice(0, 32);
  return `${ymd}/[${version}]${hex}`;
}

export const lambdaLogGroupName = (functionName: string) => `/aws/lambda/${functionName}`;
