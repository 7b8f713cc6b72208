import { InvalidParameter, ParameterValueInvalid, TagLimitExceeded } from './errors.ts';
import type { MessageAttributes } from './types.ts';

// Input checks with SNS's wording. Limits are AWS's: 256 KiB per message (body + attributes), subject ≤ 100
// characters, topic names ≤ 256 characters, 50 tags per topic.

export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_TAGS = 50;

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const SUB_ARN = /^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?):[0-9a-f-]{36}$/;

export function parseTopicArn(arn: string | undefined, param = 'TopicArn'): { region: string; account: string; name: string } {
  const m = arn === undefined ? null : TOPIC_ARN.exec(arn);
  if (!m) throw new InvalidParameter(`Invalid parameter: ${param}`);
  return { region: m[1], account: m[2], name: m[3] };
}

export function parseSubscriptionArn(arn: string | undefined): { topicArn: string } {
  const m = arn === undefined ? null : SUB_ARN.exec(arn);
  if (!m) throw new InvalidParameter('Invalid parameter: SubscriptionArn');
  return { topicArn: m[1] };
}

export function checkTopicName(name: string, fifo: boolean): void {
  if (fifo) {
    if (!/^[A-Za-z0-9_-]{1,251}\.fifo$/.test(name))
      throw new InvalidParameter('Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.');
  } else if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
    throw new InvalidParameter('Invalid parameter: Topic Name');
  }
}

export function parseQueueArn(arn: string): { region: string; account: string; name: string } | undefined {
  const m = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(arn);
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}

export function isLambdaArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/.test(arn);
}

export function checkBool(name: string, v: string): string {
  const l = v.toLowerCase();
  if (l !== 'true' && l !== 'false') throw new InvalidParameter(`Invalid parameter: ${name}: Invalid value [${v}]. Must be true or false.`);
  return l;
}

export function checkJson(name: string, v: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(v);
  } catch {
    throw new InvalidParameter(`Invalid parameter: ${name}: failed to parse JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidParameter(`Invalid parameter: ${name}: must be a JSON object`);
  return doc as Record<string, unknown>;
}

export function checkSubject(subject: string | undefined): void {
  if (subject === undefined) return;
  // ASCII text starting with a letter, number or punctuation; no line breaks or control characters; ≤ 100 characters.
  if (!subject.length || subject.length > 100 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject)) throw new InvalidParameter('Invalid parameter: Subject');
}

/** Validates message attributes; returns their size in bytes (name + type + value), as SNS counts them. */
export function checkMessageAttributes(attrs: MessageAttributes | undefined): number {
  if (!attrs) return 0;
  let size = 0;
  for (const [name, a] of Object.entries(attrs)) {
    if (!name.length || name.length > 256 || !/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..') || /^(aws\.|amazon\.)/i.test(name))
      throw new ParameterValueInvalid(`The message attribute name '${name}' is invalid. Names may contain alphanumeric characters, hyphens, underscores and periods, may not begin or end with a period or have two periods in a row, and may not start with AWS. or Amazon.`);
    const type = a?.DataType ?? '';
    const base = type.split('.')[0];
    if (!['String', 'Number', 'Binary'].includes(base) || (type !== base && !/^(String|Number|Binary)\.[A-Za-z0-9_.-]{1,256}$/.test(type)))
      throw new ParameterValueInvalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    if (base === 'Binary') {
      if (!a.BinaryValue || !a.BinaryValue.length) throw new ParameterValueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
      size += a.BinaryValue.length;
    } else {
      const v = a.StringValue;
      if (v === undefined || v === '') throw new ParameterValueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
      if (base === 'Number' && (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) || !Number.isFinite(Number(v))))
        throw new ParameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
      if (type === 'String.Array') {
        let ok = false;
        try {
          const arr = JSON.parse(v);
          ok = Array.isArray(arr) && arr.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x));
        } catch {
          ok = false;
        }
        if (!ok) throw new ParameterValueInvalid(`Invalid parameter: MessageAttributes Reason: The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, true, false or null.`);
      }
      size += Buffer.byteLength(v, 'utf8');
    }
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(type, 'utf8');
  }
  return size;
}

export function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > MAX_TAGS) throw new TagLimitExceeded('Could not complete request: tag quota of per resource exceeded');
  for (const [k, v] of Object.entries(tags)) {
    if (!k.length || k.length > 128) throw new InvalidParameter('Invalid parameter: Tags Reason: Tag keys must be between 1 and 128 characters in length.');
    if (k.toLowerCase().startsWith('aws:')) throw new InvalidParameter('Invalid parameter: Tags Reason: Tag keys may not begin with aws:');
    if (v.length > 256) throw new InvalidParameter('Invalid parameter: Tags Reason: Tag values must be at most 256 characters in length.');
  }
}
