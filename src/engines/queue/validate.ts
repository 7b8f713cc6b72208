import { BatchEntryIdsNotDistinct, EmptyBatchRequest, InvalidBatchEntryId, InvalidMessageContents, InvalidParameterValue, MissingParameter, TooManyEntriesInBatchRequest } from './errors.ts';
import { isBinaryType } from './md5.ts';
import type { MessageAttributes } from './types.ts';

// Request checks with SQS's limits and (where known) its wording.

// Characters SQS accepts in bodies and string attribute values: #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF.
const INVALID_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTR_NAME = /^[A-Za-z0-9_\-.]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;
// Group and deduplication ids: 1–128 alphanumerics and punctuation.
const GROUP_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

const invalid = (name: string, value: unknown, reason: string) =>
  new InvalidParameterValue(`Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`);

export function checkBody(body: unknown): string {
  if (typeof body !== 'string' || body.length === 0) throw new MissingParameter('The request must contain the parameter MessageBody.');
  if (INVALID_CHARS.test(body)) throw new InvalidMessageContents('Invalid binary character in the message body. Only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF are allowed.');
  return body;
}

/** Validates message attributes; returns their size in bytes (name + type + value), which counts towards the message size. */
export function checkMessageAttributes(attrs: MessageAttributes | undefined, what = 'MessageAttribute'): number {
  if (!attrs) return 0;
  const names = Object.keys(attrs);
  if (names.length > 10) throw new InvalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  let size = 0;
  for (const name of names) {
    const a = attrs[name]!;
    if (!ATTR_NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..') || /^(aws\.|amazon\.)/i.test(name))
      throw new InvalidParameterValue(`${what} name '${name}' is invalid. Names can contain alphanumerics, -, _ and ., cannot start or end with a period, contain consecutive periods, or start with AWS. or Amazon.`);
    if (!a || typeof a.DataType !== 'string' || a.DataType === '') throw new InvalidParameterValue(`The message attribute '${name}' must contain a non-empty attribute type.`);
    if (!DATA_TYPE.test(a.DataType)) throw new InvalidParameterValue(`The type of message attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    if (isBinaryType(a.DataType)) {
      if (!(a.BinaryValue instanceof Uint8Array)) throw new InvalidParameterValue(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      if (a.StringValue !== undefined) throw new InvalidParameterValue(`Message attribute '${name}' must contain exactly one value.`);
      size += a.BinaryValue.byteLength;
    } else {
      if (typeof a.StringValue !== 'string') throw new InvalidParameterValue(`The message attribute '${name}' with type '${a.DataType.split('.')[0]}' must use field 'String'.`);
      if (a.BinaryValue !== undefined) throw new InvalidParameterValue(`Message attribute '${name}' must contain exactly one value.`);
      if (a.StringValue === '') throw new InvalidParameterValue(`Message attribute '${name}' must contain a non-empty value of type '${a.DataType}'.`);
      if (INVALID_CHARS.test(a.StringValue)) throw new InvalidMessageContents(`Invalid characters found in message attribute '${name}'.`);
      if (a.DataType.startsWith('Number')) checkNumber(name, a.StringValue);
      size += Buffer.byteLength(a.StringValue, 'utf8');
    }
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8');
  }
  return size;
}

// Number attributes: up to 38 significant digits, between -10^128 and 10^126.
function checkNumber(name: string, v: string): void {
  const n = Number(v);
  const digits = v.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()) || !Number.isFinite(n) || Math.abs(n) > 1e126 || digits.length > 38)
    throw new InvalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
}

export function checkSystemAttributes(attrs: MessageAttributes | undefined): number {
  if (!attrs) return 0;
  for (const [name, a] of Object.entries(attrs)) {
    if (name !== 'AWSTraceHeader') throw new InvalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    if (a?.DataType !== 'String' || typeof a.StringValue !== 'string') throw new InvalidParameterValue('Message system attribute AWSTraceHeader must be of type String.');
  }
  return 0; // system attributes do not count towards the message size
}

export function checkDelay(v: unknown, name = 'DelaySeconds'): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 900) throw invalid(name, v, 'Must be >= 0 and <= 900.');
  return n;
}

export function checkVisibility(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 43200) throw invalid('VisibilityTimeout', v, 'Must be >= 0 and <= 43200.');
  return n;
}

export function checkMaxMessages(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw invalid('MaxNumberOfMessages', v, 'Must be between 1 and 10, if provided.');
  return n;
}

export function checkWait(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 20) throw invalid('WaitTimeSeconds', v, 'Must be >= 0 and <= 20, if provided.');
  return n;
}

export function checkGroupOrDedupId(name: 'MessageGroupId' | 'MessageDeduplicationId', v: string): string {
  if (typeof v !== 'string' || !GROUP_ID.test(v)) throw invalid(name, v, `${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  return v;
}

/** The common checks of every *Batch call. */
export function checkBatch(entries: { id: string }[]): void {
  if (!Array.isArray(entries) || entries.length === 0) throw new EmptyBatchRequest('There should be at least one SendMessageBatchRequestEntry in the request.');
  if (entries.length > 10) throw new TooManyEntriesInBatchRequest(`Maximum number of entries per request are 10. You have sent ${entries.length}.`);
  const seen = new Set<string>();
  for (const e of entries) {
    if (typeof e.id !== 'string' || !BATCH_ID.test(e.id)) throw new InvalidBatchEntryId();
    if (seen.has(e.id)) throw new BatchEntryIdsNotDistinct(`Id ${e.id} repeated.`);
    seen.add(e.id);
  }
}
