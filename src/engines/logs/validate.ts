import { InvalidParameterException } from './errors.ts';
import { LIMITS, RETENTION_DAYS } from './limits.ts';

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;

export function checkGroupName(name: unknown, field = 'logGroupName'): string {
  if (typeof name !== 'string' || !name) throw new InvalidParameterException(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  if (name.length > LIMITS.nameLength || !GROUP_NAME.test(name)) {
    throw new InvalidParameterException(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ and length 1-512`,
    );
  }
  return name;
}

export function checkStreamName(name: unknown, field = 'logStreamName'): string {
  if (typeof name !== 'string' || !name) throw new InvalidParameterException(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  if (name.length > LIMITS.nameLength || /[:*]/.test(name)) {
    throw new InvalidParameterException(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]* and length 1-512`,
    );
  }
  return name;
}

export function checkRetention(days: unknown): number {
  if (typeof days !== 'number' || !(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new InvalidParameterException(
      `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
  return days;
}

export function checkLimit(limit: unknown, max: number, field = 'limit'): number | undefined {
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new InvalidParameterException(`1 validation error detected: Value '${String(limit)}' at '${field}' failed to satisfy constraint: Member must have value between 1 and ${max}`);
  }
  return limit;
}

const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$/u;
const TAG_VALUE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

export function checkTags(tags: Record<string, string>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (!k || k.length > 128 || !TAG_KEY.test(k) || k.startsWith('aws:')) throw new InvalidParameterException(`Invalid tag key: ${k}`);
    if (typeof v !== 'string' || v.length > 256 || !TAG_VALUE.test(v)) throw new InvalidParameterException(`Invalid tag value for key ${k}`);
  }
}
