import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { arn as makeArn } from '../../core/arn.ts';
import { type Clock, systemClock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { type QueueEngine, realScheduler, type Scheduler } from '../queue/index.ts';
import { effectivePolicy, LAMBDA_RETRY, type RetryPolicy } from './delivery-policy.ts';
import { Dispatcher, postHttp, type AttemptResult } from './dispatcher.ts';
import { AuthorizationError, InvalidParameter, NotFound, ResourceNotFound, FilterPolicyLimitExceeded } from './errors.ts';
import { compileFilterPolicy, type CompiledPolicy, type FilterScope } from './filter.ts';
import { Fanout, deadLetter } from './fanout.ts';
import { confirmationEnvelope, confirmationMail } from './render.ts';
import { loadOrCreateSigner, type Signer } from './signing.ts';
import { PubSubStore } from './store.ts';
import { checkEndpoint, checkSubscriptionAttribute, subscriptionAttributeView } from './subscriptions.ts';
import { checkTopicAttribute, initialAttributes, topicAttributeView } from './topics.ts';
import type { Delivery, LambdaInvoker, MailMessage, PublishInput, PublishResult, Scope, Subscription, Topic } from './types.ts';
import { PROTOCOLS, UNSUPPORTED_PROTOCOLS } from './types.ts';
import { checkTags, checkTopicName, parseSubscriptionArn, parseTopicArn } from './validate.ts';

export interface PubSubEngineOptions {
  db: Db;
  queues: QueueEngine;
  /** Where the signing key and certificate live (<dataDir>/sns). */
  dataDir: string;
  clock?: Clock;
  scheduler?: Scheduler;
  log?: Logger;
}

const PAGE = 100;
const MAX_FILTER_POLICIES_PER_TOPIC = 200;

/**
 * The SNS engine: topics, subscriptions, publish fan-out and durable delivery. State is in memory (rebuilt from
 * SQLite at open) and written through. SQS deliveries go straight into the QueueEngine and are committed before a
 * publish is acknowledged; HTTP/S and Lambda deliveries are rows committed before the acknowledgement and retried
 * by the Dispatcher; email goes to the local mailbox (sns_mail) in the same transaction.
 */
export class PubSubEngine {
  readonly topics = new Map<string, Topic>();
  readonly subs = new Map<string, Subscription>();
  readonly subsByTopic = new Map<string, Set<string>>();
  readonly filters = new Map<string, CompiledPolicy | undefined>();
  readonly store: PubSubStore;
  readonly dispatcher: Dispatcher;
  readonly signer: Signer;
  readonly clock: Clock;
  readonly queues: QueueEngine;
  readonly log?: Logger;
  private fanout: Fanout;
  lambda?: LambdaInvoker;

  private constructor(opts: PubSubEngineOptions) {
    this.clock = opts.clock ?? systemClock;
    this.queues = opts.queues;
    this.log = opts.log;
    this.store = new PubSubStore(opts.db);
    this.signer = loadOrCreateSigner(join(opts.dataDir, 'sns'), this.clock.now());
    this.dispatcher = new Dispatcher(this.store, opts.scheduler ?? realScheduler, this.clock, opts.log, {
      attempt: (d, signal) => this.attempt(d, signal),
      policy: (d) => this.retryPolicy(d),
      exhausted: (d, error) => this.exhausted(d, error),
    });
    this.fanout = new Fanout(this);
  }

  static open(opts: PubSubEngineOptions): PubSubEngine {
    const e = new PubSubEngine(opts);
    for (const t of e.store.loadTopics()) e.topics.set(t.arn, t);
    for (const s of e.store.loadSubscriptions()) e.index(s);
    e.fanout.loadDedup(e.store.loadDedup(e.clock.now()));
    for (const d of e.store.loadDeliveries()) e.dispatcher.add(d);
    return e;
  }

  close(): void {
    this.dispatcher.close();
  }

  /** The Lambda service registers itself here; without one, lambda deliveries fail into the dead-letter queue. */
  setLambdaInvoker(invoker: LambdaInvoker | undefined): void {
    this.lambda = invoker;
  }

  get certPem(): string {
    return this.signer.certPem;
  }

  private index(s: Subscription): void {
    this.subs.set(s.arn, s);
    let set = this.subsByTopic.get(s.topicArn);
    if (!set) this.subsByTopic.set(s.topicArn, (set = new Set()));
    set.add(s.arn);
    this.compileFilter(s);
  }

  private compileFilter(s: Subscription): void {
    const p = s.attributes.FilterPolicy;
    this.filters.set(s.arn, p ? compileFilterPolicy(p, (s.attributes.FilterPolicyScope as FilterScope) || 'MessageAttributes') : undefined);
  }

  private unindex(s: Subscription): void {
    this.subs.delete(s.arn);
    this.subsByTopic.get(s.topicArn)?.delete(s.arn);
    this.filters.delete(s.arn);
  }

  // ---- lookups ---------------------------------------------------------------------------------------------

  /** The topic an ARN names, checked against the caller's account. */
  topic(scope: Scope, topicArn: string | undefined, action: string, param = 'TopicArn'): Topic {
    const p = parseTopicArn(topicArn, param);
    if (p.account !== scope.account) throw denied(scope, action, topicArn!);
    const t = this.topics.get(topicArn!);
    if (!t) throw new NotFound('Topic does not exist');
    return t;
  }

  subscription(scope: Scope, subArn: string | undefined, action: string, checkAccount = true): Subscription {
    parseSubscriptionArn(subArn);
    const s = this.subs.get(subArn!);
    if (!s) throw new NotFound('Subscription does not exist');
    if (checkAccount && s.owner !== scope.account && this.topics.get(s.topicArn)?.account !== scope.account) throw denied(scope, action, subArn!);
    return s;
  }

  subscriptionsOf(topicArn: string): Subscription[] {
    return [...(this.subsByTopic.get(topicArn) ?? [])].map((a) => this.subs.get(a)!).filter(Boolean);
  }

  // ---- topics ----------------------------------------------------------------------------------------------

  createTopic(scope: Scope, name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Topic {
    const fifoAttr = attributes.FifoTopic !== undefined ? attributes.FifoTopic.toLowerCase() === 'true' : undefined;
    const fifo = fifoAttr ?? false;
    if (name.endsWith('.fifo') !== fifo) {
      throw new InvalidParameter(fifo || name.endsWith('.fifo')
        ? 'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
        : 'Invalid parameter: Topic Name');
    }
    checkTopicName(name, fifo);
    const arn = makeArn({ service: 'sns', region: scope.region, account: scope.account, resource: name });
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(attributes)) clean[k] = checkTopicAttribute(k, v, fifo, true);
    checkTags(tags);
    const existing = this.topics.get(arn);
    if (existing) {
      for (const [k, v] of Object.entries(clean)) {
        if ((existing.attributes[k] ?? '') !== v) throw new InvalidParameter('Invalid parameter: Attributes Reason: Topic already exists with different attributes');
      }
      for (const [k, v] of Object.entries(tags)) {
        if (existing.tags[k] !== v) throw new InvalidParameter('Invalid parameter: Tags Reason: Topic already exists with different tags');
      }
      return existing;
    }
    const t: Topic = {
      arn, account: scope.account, region: scope.region, name, fifo, attributes: { ...initialAttributes(arn, scope.account, fifo), ...clean },
      tags: { ...tags }, seq: 0, deletedSubscriptions: 0, createdAt: this.clock.now(),
    };
    for (const [k, v] of Object.entries(t.attributes)) if (v === '' && k !== 'DisplayName') delete t.attributes[k];
    this.store.insertTopic(t);
    this.topics.set(arn, t);
    return t;
  }

  /** Idempotent, as on AWS: deleting a topic that does not exist succeeds. */
  deleteTopic(scope: Scope, topicArn: string): void {
    const p = parseTopicArn(topicArn);
    if (p.account !== scope.account) throw denied(scope, 'DeleteTopic', topicArn);
    if (!this.topics.has(topicArn)) return;
    this.store.deleteTopic(topicArn);
    for (const s of this.subscriptionsOf(topicArn)) this.unindex(s);
    this.subsByTopic.delete(topicArn);
    this.topics.delete(topicArn);
    this.fanout.forgetTopic(topicArn);
  }

  listTopics(scope: Scope, nextToken?: string): { arns: string[]; nextToken?: string } {
    const all = [...this.topics.values()].filter((t) => t.account === scope.account && t.region === scope.region).map((t) => t.arn).sort();
    return page(all, nextToken);
  }

  getTopicAttributes(scope: Scope, topicArn: string): Record<string, string> {
    const t = this.topic(scope, topicArn, 'GetTopicAttributes');
    const subs = this.subscriptionsOf(t.arn);
    return topicAttributeView(t, { confirmed: subs.filter((s) => !s.pending).length, pending: subs.filter((s) => s.pending).length });
  }

  setTopicAttribute(scope: Scope, topicArn: string, name: string, value: string | undefined): void {
    const t = this.topic(scope, topicArn, 'SetTopicAttributes');
    const v = checkTopicAttribute(name, value ?? '', t.fifo, false);
    const next = { ...t.attributes };
    if (v === '' && name !== 'DisplayName') delete next[name];
    else next[name] = v;
    this.store.updateTopicAttributes(t.arn, next);
    t.attributes = next;
  }

  // ---- tags ------------------------------------------------------------------------------------------------

  private tagged(scope: Scope, resourceArn: string, action: string): Topic {
    const p = parseTopicArn(resourceArn, 'ResourceArn');
    if (p.account !== scope.account) throw denied(scope, action, resourceArn);
    const t = this.topics.get(resourceArn);
    if (!t) throw new ResourceNotFound('Resource does not exist');
    return t;
  }

  tagResource(scope: Scope, resourceArn: string, tags: Record<string, string>): void {
    const t = this.tagged(scope, resourceArn, 'TagResource');
    const next = { ...t.tags, ...tags };
    checkTags(next);
    this.store.updateTopicTags(t.arn, next);
    t.tags = next;
  }

  untagResource(scope: Scope, resourceArn: string, keys: string[]): void {
    const t = this.tagged(scope, resourceArn, 'UntagResource');
    const next = { ...t.tags };
    for (const k of keys) delete next[k];
    this.store.updateTopicTags(t.arn, next);
    t.tags = next;
  }

  listTags(scope: Scope, resourceArn: string): Record<string, string> {
    return { ...this.tagged(scope, resourceArn, 'ListTagsForResource').tags };
  }

  // ---- subscriptions -----------------------------------------------------------------------------------------

  /** Returns the subscription; `pending` ones answer 'pending confirmation' unless the caller asked for the ARN. */
  subscribe(scope: Scope, topicArn: string, protocolIn: string, endpointIn: string | undefined, attributes: Record<string, string> = {}): Subscription {
    const t = this.topic(scope, topicArn, 'Subscribe');
    const protocol = protocolIn.toLowerCase();
    if (UNSUPPORTED_PROTOCOLS.includes(protocol)) throw new InvalidParameter(`Invalid parameter: Protocol Reason: protocol ${protocol} is not supported by Nimbus`);
    if (!PROTOCOLS.includes(protocol)) throw new InvalidParameter('Invalid parameter: Protocol');
    const endpoint = checkEndpoint(t, protocol, endpointIn);
    // Issue 8: an sqs/lambda endpoint of another account would let the topic owner write into it. AWS asks that
    // account to confirm (and its queue policy to allow SNS); Nimbus refuses such subscriptions.
    const owner = (protocol === 'sqs' || protocol === 'lambda') ? /^arn:aws[a-zA-Z-]*:[a-z]+:[^:]*:(\d{12}):/.exec(endpoint)?.[1] : undefined;
    if (owner && owner !== t.account) {
      throw new InvalidParameter(`Invalid parameter: Endpoint Reason: ${endpoint} belongs to account ${owner}, not to the topic's account: cross-account ${protocol} subscriptions are not supported by Nimbus`);
    }
    const draft = { protocol: protocol as Subscription['protocol'], attributes: {} as Record<string, string> };
    // FilterPolicyScope first: FilterPolicy is checked against it.
    const order = Object.keys(attributes).sort((a, b) => (a === 'FilterPolicyScope' ? -1 : b === 'FilterPolicyScope' ? 1 : 0));
    for (const k of order) {
      const v = checkSubscriptionAttribute(draft, k, attributes[k]);
      if (v !== '') draft.attributes[k] = v;
    }
    const existing = this.subscriptionsOf(t.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (existing) {
      for (const [k, v] of Object.entries(draft.attributes)) {
        if ((existing.attributes[k] ?? '') !== v) throw new InvalidParameter('Invalid parameter: Attributes Reason: Subscription already exists with different attributes');
      }
      if (existing.pending) this.requestConfirmation(t, existing, scope.baseUrl);
      return existing;
    }
    if (draft.attributes.FilterPolicy && this.filterPolicyCount(t.arn) >= MAX_FILTER_POLICIES_PER_TOPIC) throw new FilterPolicyLimitExceeded('Filter policy limit exceeded');
    const autoConfirm = protocol === 'sqs' || protocol === 'lambda';
    const s: Subscription = {
      arn: `${t.arn}:${randomUUID()}`, topicArn: t.arn, owner: scope.account, protocol: draft.protocol, endpoint,
      pending: !autoConfirm, token: randomBytes(64).toString('hex'), attributes: draft.attributes, authenticated: false, createdAt: this.clock.now(),
    };
    this.store.insertSubscription(s);
    this.index(s);
    if (s.pending) this.requestConfirmation(t, s, scope.baseUrl);
    return s;
  }

  private filterPolicyCount(topicArn: string): number {
    return this.subscriptionsOf(topicArn).filter((s) => s.attributes.FilterPolicy).length;
  }

  /** Sends the SubscriptionConfirmation: a signed POST to HTTP/S endpoints, a mail with a link for email ones. */
  private requestConfirmation(t: Topic, s: Subscription, baseUrl: string): void {
    const now = this.clock.now();
    const messageId = randomUUID();
    const timestamp = new Date(now).toISOString();
    if (s.protocol === 'email' || s.protocol === 'email-json') {
      const mail = confirmationMail(t, s, baseUrl);
      this.store.writePublish({ deliveries: [], mail: [{
        account: t.account, region: t.region, subscriptionArn: s.arn, topicArn: t.arn, to: s.endpoint, subject: mail.subject, body: mail.body,
        contentType: 'text/plain', kind: 'SubscriptionConfirmation', createdAt: now,
      }] });
      return;
    }
    const body = confirmationEnvelope('SubscriptionConfirmation', t, s, messageId, timestamp, baseUrl, this.signer);
    const payload = {
      kind: 'http' as const, type: 'SubscriptionConfirmation', messageId, topicArn: t.arn, endpoint: s.endpoint, body,
      headers: {
        'x-amz-sns-message-type': 'SubscriptionConfirmation', 'x-amz-sns-message-id': messageId, 'x-amz-sns-topic-arn': t.arn,
        'content-type': effectivePolicy(t.attributes.DeliveryPolicy, s.attributes.DeliveryPolicy).contentType, 'user-agent': 'Amazon Simple Notification Service Agent',
      },
    };
    const [id] = this.store.writePublish({ deliveries: [{ subscriptionArn: s.arn, payload, nextAt: now, createdAt: now }], mail: [] });
    this.dispatcher.add({ id, subscriptionArn: s.arn, payload, attempts: 0, nextAt: now, createdAt: now });
  }

  confirmSubscription(scope: Scope, topicArn: string, token: string, authenticateOnUnsubscribe?: string): Subscription {
    parseTopicArn(topicArn);
    if (!this.topics.has(topicArn)) throw new NotFound('Topic does not exist');
    const s = this.subscriptionsOf(topicArn).find((x) => x.token === token);
    if (!s) throw new InvalidParameter('Invalid token');
    if (s.pending) {
      const auth = authenticateOnUnsubscribe !== undefined && checkBoolLoose(authenticateOnUnsubscribe) && scope.signed !== false;
      this.store.confirmSubscription(s.arn, auth);
      s.pending = false;
      s.authenticated = auth;
    }
    return s;
  }

  unsubscribe(scope: Scope, subArn: string): void {
    // Unsigned requests come from an UnsubscribeURL: allowed unless the subscription asked for authentication.
    const s = this.subscription(scope, subArn, 'Unsubscribe', scope.signed !== false);
    if (s.authenticated && scope.signed === false) throw new AuthorizationError('Unsubscribe requires authentication for this subscription');
    const t = this.topics.get(s.topicArn);
    const deleted = (t?.deletedSubscriptions ?? 0) + 1;
    this.store.deleteSubscription(s.arn, s.topicArn, deleted);
    if (t) t.deletedSubscriptions = deleted;
    this.unindex(s);
  }

  listSubscriptions(scope: Scope, nextToken?: string): { subs: Subscription[]; nextToken?: string } {
    const all = [...this.subs.values()].filter((s) => {
      const t = this.topics.get(s.topicArn);
      return s.owner === scope.account && t?.region === scope.region;
    });
    return pageSubs(all, nextToken);
  }

  listSubscriptionsByTopic(scope: Scope, topicArn: string, nextToken?: string): { subs: Subscription[]; nextToken?: string } {
    const t = this.topic(scope, topicArn, 'ListSubscriptionsByTopic');
    return pageSubs(this.subscriptionsOf(t.arn), nextToken);
  }

  getSubscriptionAttributes(scope: Scope, subArn: string): Record<string, string> {
    const s = this.subscription(scope, subArn, 'GetSubscriptionAttributes');
    return subscriptionAttributeView(s, this.topics.get(s.topicArn));
  }

  setSubscriptionAttribute(scope: Scope, subArn: string, name: string, value: string | undefined): void {
    const s = this.subscription(scope, subArn, 'SetSubscriptionAttributes');
    const v = checkSubscriptionAttribute(s, name, value ?? '');
    if (name === 'FilterPolicy' && v && !s.attributes.FilterPolicy && this.filterPolicyCount(s.topicArn) >= MAX_FILTER_POLICIES_PER_TOPIC)
      throw new FilterPolicyLimitExceeded('Filter policy limit exceeded');
    const next = { ...s.attributes };
    if (v === '') delete next[name];
    else next[name] = v;
    this.store.updateSubscriptionAttributes(s.arn, next);
    s.attributes = next;
    this.compileFilter(s);
  }

  // ---- publish -----------------------------------------------------------------------------------------------

  publish(scope: Scope, input: PublishInput): Promise<PublishResult> {
    return this.fanout.publish(scope, input);
  }

  publishBatch(scope: Scope, topicArn: string, entries: (Omit<PublishInput, 'topicArn'> & { id: string })[]) {
    return this.fanout.publishBatch(scope, topicArn, entries);
  }

  // ---- mailbox -----------------------------------------------------------------------------------------------

  mail(opts: { to?: string; after?: number; limit?: number } = {}): MailMessage[] {
    return this.store.listMail(opts);
  }

  clearMail(to?: string): number {
    return this.store.clearMail(to);
  }

  // ---- delivery hooks ------------------------------------------------------------------------------------------

  private retryPolicy(d: Delivery): RetryPolicy | undefined {
    const s = this.subs.get(d.subscriptionArn);
    if (!s) return undefined;
    if (d.payload.kind === 'lambda') return LAMBDA_RETRY;
    return effectivePolicy(this.topics.get(s.topicArn)?.attributes.DeliveryPolicy, s.attributes.DeliveryPolicy).retry;
  }

  private async attempt(d: Delivery, signal: AbortSignal): Promise<AttemptResult> {
    if (d.payload.kind === 'lambda') {
      if (!this.lambda) return { ok: false, error: 'Nimbus has no Lambda service registered to invoke the function', retryable: false };
      return this.lambda.invoke(d.payload.endpoint, d.payload.body, { subscriptionArn: d.subscriptionArn, messageId: d.payload.messageId });
    }
    return postHttp(d.payload.endpoint, d.payload.headers, d.payload.body, signal);
  }

  private async exhausted(d: Delivery, error: string): Promise<void> {
    if (d.payload.type !== 'Notification') return; // confirmations that nobody answered are just dropped
    const s = this.subs.get(d.subscriptionArn);
    if (!s) return;
    await deadLetter(this, s, d.payload, error.startsWith('HTTP') ? 'EndpointError' : d.payload.kind === 'lambda' ? 'LambdaError' : 'DeliveryFailed', error);
  }
}

function denied(scope: Scope, action: string, resource: string): AuthorizationError {
  return new AuthorizationError(`User: arn:aws:iam::${scope.account}:root is not authorized to perform: SNS:${action} on resource: ${resource}`);
}

function checkBoolLoose(v: string): boolean {
  return v.toLowerCase() === 'true';
}

function page(all: string[], nextToken?: string): { arns: string[]; nextToken?: string } {
  const after = nextToken ? Buffer.from(nextToken, 'base64url').toString('utf8') : undefined;
  if (nextToken && !after) throw new InvalidParameter('Invalid parameter: NextToken');
  const rest = after ? all.filter((a) => a > after) : all;
  const arns = rest.slice(0, PAGE);
  return { arns, ...(rest.length > PAGE ? { nextToken: Buffer.from(arns[arns.length - 1], 'utf8').toString('base64url') } : {}) };
}

function pageSubs(all: Subscription[], nextToken?: string): { subs: Subscription[]; nextToken?: string } {
  const sorted = [...all].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  const p = page(sorted.map((s) => s.arn), nextToken);
  const byArn = new Map(sorted.map((s) => [s.arn, s]));
  return { subs: p.arns.map((a) => byArn.get(a)!), nextToken: p.nextToken };
}
