import { InvalidAttributeName, InvalidAttributeValue } from './errors.ts';

// Queue attributes as SQS defines them: names, ranges and defaults (AWS documented defaults; the maximum
// message size is the classic 256 KiB limit).

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export interface RedriveAllowPolicy {
  redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  sourceQueueArns?: string[];
}

/** Parsed, typed view of a queue's attributes (what the engine acts on). */
export interface QueueConfig {
  fifo: boolean;
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  receiveMessageWaitTimeSeconds: number;
  visibilityTimeout: number;
  redrivePolicy?: RedrivePolicy;
  redriveAllowPolicy?: RedriveAllowPolicy;
  contentBasedDeduplication: boolean;
  deduplicationScope: 'queue' | 'messageGroup';
  fifoThroughputLimit: 'perQueue' | 'perMessageGroupId';
}

const RANGES: Record<string, [number, number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 262144],
  MessageRetentionPeriod: [60, 1209600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43200],
  KmsDataKeyReusePeriodSeconds: [60, 86400],
};
const COMMON = new Set([...Object.keys(RANGES), 'Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled']);
const FIFO_ONLY = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Attributes GetQueueAttributes knows (settable + computed). */
export const READABLE = new Set([
  ...COMMON, ...FIFO_ONLY,
  'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp', 'LastModifiedTimestamp', 'QueueArn',
]);

export function defaultAttributes(fifo: boolean): Record<string, string> {
  const a: Record<string, string> = {
    DelaySeconds: '0', MaximumMessageSize: '262144', MessageRetentionPeriod: '345600',
    ReceiveMessageWaitTimeSeconds: '0', VisibilityTimeout: '30', SqsManagedSseEnabled: 'true',
  };
  if (fifo) Object.assign(a, { FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' });
  return a;
}

const bad = (name: string, reason?: string) =>
  new InvalidAttributeValue(`Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`);

function bool(name: string, v: string): string {
  const l = String(v).toLowerCase();
  if (l !== 'true' && l !== 'false') throw bad(name);
  return l;
}

function parseJson(name: string, v: string): Record<string, unknown> {
  try {
    const o = JSON.parse(v) as unknown;
    if (o && typeof o === 'object' && !Array.isArray(o)) return o as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw bad(name, 'Invalid JSON');
}

function normaliseRedrive(v: string): string {
  const o = parseJson('RedrivePolicy', v);
  const arn = o.deadLetterTargetArn;
  const count = Number(o.maxReceiveCount);
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) throw bad('RedrivePolicy', 'Redrive policy does not contain a valid deadLetterTargetArn.');
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw bad('RedrivePolicy', 'Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
  return JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
}

function normaliseRedriveAllow(v: string): string {
  const o = parseJson('RedriveAllowPolicy', v);
  const p = o.redrivePermission;
  if (p !== 'allowAll' && p !== 'denyAll' && p !== 'byQueue') throw bad('RedriveAllowPolicy', 'Invalid value for redrivePermission.');
  if (p === 'byQueue') {
    const arns = o.sourceQueueArns;
    if (!Array.isArray(arns) || arns.length < 1 || arns.length > 10 || !arns.every((a) => typeof a === 'string'))
      throw bad('RedriveAllowPolicy', 'sourceQueueArns must list 1 to 10 queue ARNs when redrivePermission is byQueue.');
    return JSON.stringify({ redrivePermission: p, sourceQueueArns: arns });
  }
  if (o.sourceQueueArns !== undefined) throw bad('RedriveAllowPolicy', 'sourceQueueArns is only allowed when redrivePermission is byQueue.');
  return JSON.stringify({ redrivePermission: p });
}

/**
 * Validates `changes` and returns the merged attribute map. `creating` allows FifoQueue; an empty RedrivePolicy /
 * RedriveAllowPolicy / Policy removes it, as on AWS.
 */
export function mergeAttributes(current: Record<string, string>, changes: Record<string, string>, fifo: boolean, creating: boolean): Record<string, string> {
  const out = { ...current };
  for (const [name, raw] of Object.entries(changes)) {
    const v = String(raw);
    if (!COMMON.has(name) && !FIFO_ONLY.has(name)) throw new InvalidAttributeName(`Unknown Attribute ${name}.`);
    if (FIFO_ONLY.has(name) && !fifo) {
      if (name === 'FifoQueue' && creating && bool(name, v) === 'false') continue;
      throw new InvalidAttributeName(`Unknown Attribute ${name}.`);
    }
    const range = RANGES[name];
    if (range) {
      const n = Number(v);
      if (v.trim() === '' || !Number.isInteger(n) || n < range[0] || n > range[1]) throw bad(name);
      out[name] = String(n);
    } else if (name === 'FifoQueue') {
      if (!creating) throw new InvalidAttributeName('FifoQueue can only be set when the queue is created.');
      if (bool(name, v) !== 'true') throw bad(name);
      out[name] = 'true';
    } else if (name === 'ContentBasedDeduplication' || name === 'SqsManagedSseEnabled') {
      out[name] = bool(name, v);
    } else if (name === 'DeduplicationScope') {
      if (v !== 'queue' && v !== 'messageGroup') throw bad(name);
      out[name] = v;
    } else if (name === 'FifoThroughputLimit') {
      if (v !== 'perQueue' && v !== 'perMessageGroupId') throw bad(name);
      out[name] = v;
    } else if (name === 'RedrivePolicy' || name === 'RedriveAllowPolicy' || name === 'Policy') {
      if (v === '') delete out[name];
      else out[name] = name === 'RedrivePolicy' ? normaliseRedrive(v) : name === 'RedriveAllowPolicy' ? normaliseRedriveAllow(v) : (parseJson(name, v), v);
    } else {
      out[name] = v; // KmsMasterKeyId: stored and reported, no encryption is performed
    }
  }
  if (fifo && out.FifoThroughputLimit === 'perMessageGroupId' && out.DeduplicationScope !== 'messageGroup')
    throw bad('FifoThroughputLimit', 'The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup.');
  return out;
}

export function parseConfig(raw: Record<string, string>, fifo: boolean): QueueConfig {
  const int = (k: string) => Number(raw[k]);
  return {
    fifo,
    delaySeconds: int('DelaySeconds'),
    maximumMessageSize: int('MaximumMessageSize'),
    messageRetentionPeriod: int('MessageRetentionPeriod'),
    receiveMessageWaitTimeSeconds: int('ReceiveMessageWaitTimeSeconds'),
    visibilityTimeout: int('VisibilityTimeout'),
    redrivePolicy: raw.RedrivePolicy ? (JSON.parse(raw.RedrivePolicy) as RedrivePolicy) : undefined,
    redriveAllowPolicy: raw.RedriveAllowPolicy ? (JSON.parse(raw.RedriveAllowPolicy) as RedriveAllowPolicy) : undefined,
    contentBasedDeduplication: raw.ContentBasedDeduplication === 'true',
    deduplicationScope: raw.DeduplicationScope === 'messageGroup' ? 'messageGroup' : 'queue',
    fifoThroughputLimit: raw.FifoThroughputLimit === 'perMessageGroupId' ? 'perMessageGroupId' : 'perQueue',
  };
}

/** Same settable attributes (for the idempotent CreateQueue check). */
export function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
