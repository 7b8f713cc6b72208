import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributes as SqsAttributes } from '../queue/index.ts';
import { effectivePolicy } from './delivery-policy.ts';
import type { PubSubEngine } from './engine.ts';
import {
  BatchEntryIdsNotDistinct, BatchRequestTooLong, EmptyBatchRequest, InvalidBatchEntryId, InvalidParameter, TooManyEntriesInBatchRequest,
} from './errors.ts';
import { passesFilter, type FilterScope } from './filter.ts';
import { lambdaEvent, notificationEnvelope, notificationMail, type Published } from './render.ts';
import type { PublishWrites } from './store.ts';
import type { DeliveryPayload, MessageAttributes, PublishInput, PublishResult, Scope, Subscription, Topic } from './types.ts';
import { checkMessageAttributes, checkSubject, MAX_MESSAGE_BYTES, parseQueueArn } from './validate.ts';

// Publish: validate, deduplicate (FIFO), match each confirmed subscription's filter policy, and hand the message to
// every subscriber. SQS sends are awaited (the queue engine group-commits them); HTTP/S and Lambda deliveries, mail
// and the dedup entry are written in one SQLite transaction after that; only then is the publish acknowledged.

const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const SEQ_BASE = 10n ** 19n;

interface Prepared {
  result: PublishResult;
  sends: Promise<void>[];
  writes: PublishWrites;
}

export class Fanout {
  private dedup = new Map<string, Map<string, { messageId: string; seqNo?: string; expiresAt: number }>>();

  constructor(private e: PubSubEngine) {}

  loadDedup(rows: { topicArn: string; dedupId: string; messageId: string; seqNo?: string; expiresAt: number }[]): void {
    for (const r of rows) this.dedupOf(r.topicArn).set(r.dedupId, { messageId: r.messageId, seqNo: r.seqNo, expiresAt: r.expiresAt });
  }

  forgetTopic(topicArn: string): void {
    this.dedup.delete(topicArn);
  }

  private dedupOf(topicArn: string) {
    let m = this.dedup.get(topicArn);
    if (!m) this.dedup.set(topicArn, (m = new Map()));
    return m;
  }

  async publish(scope: Scope, input: PublishInput): Promise<PublishResult> {
    const t = this.e.topic(scope, input.topicArn, 'Publish');
    const p = this.prepare(scope, t, input, this.e.clock.now());
    await Promise.all(p.sends);
    this.commit([p.writes]);
    return p.result;
  }

  async publishBatch(scope: Scope, topicArn: string, entries: (Omit<PublishInput, 'topicArn'> & { id: string })[]) {
    const t = this.e.topic(scope, topicArn, 'Publish');
    if (!entries.length) throw new EmptyBatchRequest('The batch request doesn\'t contain any entries');
    if (entries.length > 10) throw new TooManyEntriesInBatchRequest('The batch request contains more entries than permissible');
    const ids = new Set<string>();
    let total = 0;
    for (const en of entries) {
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(en.id)) throw new InvalidBatchEntryId('The Id of a batch entry in a batch request doesn\'t abide by the specification');
      if (ids.has(en.id)) throw new BatchEntryIdsNotDistinct('Two or more batch entries in the request have the same Id');
      ids.add(en.id);
      total += Buffer.byteLength(en.message ?? '', 'utf8') + checkAttrSizeLoose(en.messageAttributes);
    }
    if (total > MAX_MESSAGE_BYTES) throw new BatchRequestTooLong('The length of all the messages put together is more than the limit');
    const now = this.e.clock.now();
    const successful: (PublishResult & { id: string })[] = [];
    const failed: { id: string; code: string; message: string; senderFault: boolean }[] = [];
    const prepared: Prepared[] = [];
    for (const en of entries) {
      try {
        const p = this.prepare(scope, t, { ...en, topicArn }, now);
        prepared.push(p);
        successful.push({ id: en.id, ...p.result });
      } catch (err) {
        const e = err as { code?: string; message: string; status?: number };
        if (!e.code) throw err;
        failed.push({ id: en.id, code: e.code, message: e.message, senderFault: (e.status ?? 400) < 500 });
      }
    }
    await Promise.all(prepared.flatMap((p) => p.sends));
    this.commit(prepared.map((p) => p.writes));
    return { successful, failed };
  }

  private commit(all: PublishWrites[]): void {
    const merged: PublishWrites = { deliveries: [], mail: [] };
    const dedups: NonNullable<PublishWrites['dedup']>[] = [];
    for (const w of all) {
      merged.deliveries.push(...w.deliveries);
      merged.mail.push(...w.mail);
      if (w.dedup) dedups.push(w.dedup);
      if (w.seq) merged.seq = w.seq;
    }
    if (!merged.deliveries.length && !merged.mail.length && !dedups.length && !merged.seq) return;
    // One transaction for the whole request; extra dedup rows (batches) ride along in their own small writes.
    merged.dedup = dedups.shift();
    const ids = this.e.store.writePublish(merged);
    for (const d of dedups) this.e.store.writePublish({ deliveries: [], mail: [], dedup: d });
    merged.deliveries.forEach((d, i) => this.e.dispatcher.add({ id: ids[i], subscriptionArn: d.subscriptionArn, payload: d.payload, attempts: 0, nextAt: d.nextAt, createdAt: d.createdAt }));
  }

  private prepare(scope: Scope, t: Topic, input: PublishInput, now: number): Prepared {
    const message = input.message;
    if (message === undefined || message === '') throw new InvalidParameter('Invalid parameter: Empty message');
    checkSubject(input.subject);
    const attrSize = checkMessageAttributes(input.messageAttributes);
    if (Buffer.byteLength(message, 'utf8') + attrSize > MAX_MESSAGE_BYTES) throw new InvalidParameter('Invalid parameter: Message too long');
    let perProtocol: Record<string, unknown> | undefined;
    if (input.messageStructure !== undefined) {
      if (input.messageStructure !== 'json') throw new InvalidParameter('Invalid parameter: MessageStructure');
      try {
        perProtocol = JSON.parse(message);
      } catch {
        throw new InvalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (typeof perProtocol !== 'object' || perProtocol === null || Array.isArray(perProtocol)) throw new InvalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
      if (typeof perProtocol.default !== 'string') throw new InvalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
    }
    const writes: PublishWrites = { deliveries: [], mail: [] };
    let groupId: string | undefined;
    let dedupId: string | undefined;
    let sequenceNumber: string | undefined;
    let messageId = randomUUID();
    if (t.fifo) {
      if (input.messageGroupId === undefined) throw new InvalidParameter('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
      groupId = checkFifoId('MessageGroupId', input.messageGroupId);
      if (input.messageDeduplicationId !== undefined) dedupId = checkFifoId('MessageDeduplicationId', input.messageDeduplicationId);
      else if (t.attributes.ContentBasedDeduplication === 'true') dedupId = createHash('sha256').update(message, 'utf8').digest('hex');
      else throw new InvalidParameter('Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      const window = this.dedupOf(t.arn);
      for (const [k, v] of window) {
        if (v.expiresAt > now) break;
        window.delete(k);
      }
      const seen = window.get(dedupId);
      if (seen && seen.expiresAt > now) return { result: { messageId: seen.messageId, sequenceNumber: seen.seqNo }, sends: [], writes };
      t.seq += 1;
      sequenceNumber = (SEQ_BASE + BigInt(t.seq)).toString();
      const entry = { messageId, seqNo: sequenceNumber, expiresAt: now + DEDUP_WINDOW_MS };
      window.set(dedupId, entry);
      writes.dedup = { topicArn: t.arn, dedupId, ...entry };
      writes.seq = { topicArn: t.arn, seq: t.seq };
    } else {
      if (input.messageDeduplicationId !== undefined)
        throw new InvalidParameter('Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type');
      if (input.messageGroupId !== undefined) groupId = checkFifoId('MessageGroupId', input.messageGroupId);
    }
    const pub: Published = {
      messageId, topic: t, subject: input.subject, message, timestamp: new Date(now).toISOString(),
      attributes: input.messageAttributes && Object.keys(input.messageAttributes).length ? input.messageAttributes : undefined,
      sequenceNumber, baseUrl: scope.baseUrl,
    };
    const sends: Promise<void>[] = [];
    for (const s of this.e.subscriptionsOf(t.arn)) {
      if (s.pending) continue;
      const text = perProtocol ? (typeof perProtocol[s.protocol] === 'string' ? (perProtocol[s.protocol] as string) : (perProtocol.default as string)) : message;
      if (!passesFilter(this.e.filters.get(s.arn), (s.attributes.FilterPolicyScope as FilterScope) || 'MessageAttributes', text, pub.attributes)) continue;
      const raw = s.attributes.RawMessageDelivery === 'true';
      switch (s.protocol) {
        case 'sqs': {
          const body = raw ? text : notificationEnvelope(pub, s, text, this.e.signer);
          sends.push(this.sendSqs(s, { kind: 'http', type: 'Notification', messageId, topicArn: t.arn, endpoint: s.endpoint, headers: {}, body,
            messageAttributes: raw ? pub.attributes : undefined, messageGroupId: groupId, messageDeduplicationId: dedupId }));
          break;
        }
        case 'http':
        case 'https': {
          const body = raw ? text : notificationEnvelope(pub, s, text, this.e.signer);
          const { contentType } = effectivePolicy(t.attributes.DeliveryPolicy, s.attributes.DeliveryPolicy);
          const headers: Record<string, string> = {
            'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': messageId, 'x-amz-sns-topic-arn': t.arn,
            'x-amz-sns-subscription-arn': s.arn, 'content-type': contentType, 'user-agent': 'Amazon Simple Notification Service Agent',
            ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
          };
          writes.deliveries.push({ subscriptionArn: s.arn, nextAt: now, createdAt: now, payload: {
            kind: 'http', type: 'Notification', messageId, topicArn: t.arn, endpoint: s.endpoint, headers, body, messageAttributes: pub.attributes,
          } });
          break;
        }
        case 'lambda':
          writes.deliveries.push({ subscriptionArn: s.arn, nextAt: now, createdAt: now, payload: {
            kind: 'lambda', type: 'Notification', messageId, topicArn: t.arn, endpoint: s.endpoint, headers: {}, body: lambdaEvent(pub, s, text, this.e.signer),
            messageAttributes: pub.attributes,
          } });
          break;
        case 'email':
        case 'email-json': {
          const json = s.protocol === 'email-json';
          const mail = json ? { subject: pub.subject ?? 'AWS Notification Message', body: notificationEnvelope(pub, s, text, this.e.signer) } : notificationMail(pub, s, text);
          writes.mail.push({ account: t.account, region: t.region, subscriptionArn: s.arn, topicArn: t.arn, to: s.endpoint, subject: mail.subject, body: mail.body,
            contentType: json ? 'application/json' : 'text/plain', kind: 'Notification', createdAt: now });
          break;
        }
      }
    }
    return { result: { messageId, sequenceNumber }, sends, writes };
  }

  /** Into the subscribed queue; a failure (queue gone, too large, …) goes to the subscription's dead-letter queue. */
  private async sendSqs(s: Subscription, payload: DeliveryPayload): Promise<void> {
    try {
      await sendToQueue(this.e, s.endpoint, payload.body, payload.messageAttributes, payload);
    } catch (err) {
      const e = err as { code?: string; message: string };
      this.e.log?.info({ subscription: s.arn, error: e.message }, 'sns: sqs delivery failed');
      await deadLetter(this.e, s, payload, e.code ?? 'DeliveryFailed', e.message).catch((dlqErr) => this.e.log?.error({ err: dlqErr, subscription: s.arn }, 'sns: dead-lettering failed'));
    }
  }
}

function checkFifoId(name: string, v: string): string {
  if (!/^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/.test(v)) throw new InvalidParameter(`Invalid parameter: ${name}`);
  return v;
}

function checkAttrSizeLoose(attrs: MessageAttributes | undefined): number {
  let n = 0;
  for (const [k, a] of Object.entries(attrs ?? {})) n += k.length + (a.DataType?.length ?? 0) + (a.StringValue ? Buffer.byteLength(a.StringValue) : a.BinaryValue?.length ?? 0);
  return n;
}

function toSqsAttributes(attrs: MessageAttributes | undefined): SqsAttributes | undefined {
  if (!attrs) return undefined;
  const out: SqsAttributes = {};
  for (const [k, a] of Object.entries(attrs)) out[k] = a.BinaryValue !== undefined ? { DataType: a.DataType, BinaryValue: a.BinaryValue } : { DataType: a.DataType, StringValue: a.StringValue };
  return out;
}

async function sendToQueue(e: PubSubEngine, queueArn: string, body: string, attrs: MessageAttributes | undefined, p: Pick<DeliveryPayload, 'messageGroupId' | 'messageDeduplicationId'>): Promise<void> {
  const ref = parseQueueArn(queueArn);
  if (!ref) throw Object.assign(new Error(`invalid queue ARN ${queueArn}`), { code: 'InvalidParameter' });
  const fifoQueue = ref.name.endsWith('.fifo');
  await e.queues.sendMessage(ref, {
    body, messageAttributes: toSqsAttributes(attrs),
    ...(fifoQueue ? { messageGroupId: p.messageGroupId ?? 'default', messageDeduplicationId: p.messageDeduplicationId ?? createHash('sha256').update(body).digest('hex') } : {}),
  });
}

/**
 * A delivery that failed for good goes to the subscription's RedrivePolicy queue, with the payload it would have
 * received and ErrorCode/ErrorMessage attributes; without a dead-letter queue it is dropped (and logged).
 */
export async function deadLetter(e: PubSubEngine, s: Subscription, payload: DeliveryPayload, code: string, message: string): Promise<void> {
  const policy = s.attributes.RedrivePolicy;
  if (!policy) {
    e.log?.warn({ subscription: s.arn, messageId: payload.messageId, code, error: message }, 'sns: delivery failed and the subscription has no dead-letter queue; message dropped');
    return;
  }
  const target = (JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
  const attrs: MessageAttributes = {
    ErrorCode: { DataType: 'String', StringValue: code },
    ErrorMessage: { DataType: 'String', StringValue: message.slice(0, 1000) || 'delivery failed' },
    RequestID: { DataType: 'String', StringValue: payload.messageId },
  };
  for (const [k, v] of Object.entries(payload.messageAttributes ?? {})) if (Object.keys(attrs).length < 10 && !(k in attrs)) attrs[k] = v;
  await sendToQueue(e, target, payload.body, attrs, payload);
}

