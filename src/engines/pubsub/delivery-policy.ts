import { InvalidParameter } from './errors.ts';

// HTTP/S delivery policies (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html).
// A topic's DeliveryPolicy holds {"http": {"defaultHealthyRetryPolicy", "disableSubscriptionOverrides", "defaultRequestPolicy"}};
// a subscription's holds {"healthyRetryPolicy", "throttlePolicy", "requestPolicy"} and overrides the topic's unless disabled.
//
// The retry schedule: numNoDelayRetries immediately, numMinDelayRetries at minDelayTarget, then the backoff phase
// from minDelayTarget to maxDelayTarget (backoffFunction), then numMaxDelayRetries at maxDelayTarget; numRetries in all.
// LIMITATIONS: throttlePolicy.maxReceivesPerSecond is accepted but not enforced; the backoff curves other than
// linear are approximations of AWS's.

export interface RetryPolicy {
  minDelayTarget: number;
  maxDelayTarget: number;
  numRetries: number;
  numMaxDelayRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  backoffFunction: 'linear' | 'arithmetic' | 'geometric' | 'exponential';
}

/** AWS's HTTP/S defaults (what EffectiveDeliveryPolicy shows on a fresh topic). */
export const DEFAULT_RETRY: RetryPolicy = {
  minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numMaxDelayRetries: 0, numNoDelayRetries: 0, numMinDelayRetries: 0, backoffFunction: 'linear',
};
export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=UTF-8';

export const DEFAULT_TOPIC_DELIVERY_POLICY = JSON.stringify({
  http: { defaultHealthyRetryPolicy: DEFAULT_RETRY, disableSubscriptionOverrides: false, defaultRequestPolicy: { headerContentType: DEFAULT_CONTENT_TYPE } },
});

/** Non-HTTP protocols (SQS, Lambda): AWS retries these on its side for days; Nimbus delivers SQS in-process and retries Lambda thus. */
export const LAMBDA_RETRY: RetryPolicy = { ...DEFAULT_RETRY, minDelayTarget: 1, maxDelayTarget: 20, numRetries: 3, backoffFunction: 'exponential' };

const CONTENT_TYPES = ['text/plain', 'application/json', 'application/xml', 'text/plain; charset=UTF-8', 'application/json; charset=UTF-8', 'application/xml; charset=UTF-8'];

const bad = (what: string, reason: string) => new InvalidParameter(`Invalid parameter: ${what}: ${reason}`);
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(what: string, json: string): Record<string, any> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw bad(what, 'failed to parse JSON');
  }
  if (!isObj(doc)) throw bad(what, 'must be a JSON object');
  return doc;
}

function checkRetry(what: string, p: unknown): RetryPolicy {
  if (p === undefined) return { ...DEFAULT_RETRY };
  if (!isObj(p)) throw bad(what, 'healthyRetryPolicy must be a JSON object');
  const r = { ...DEFAULT_RETRY, ...p } as RetryPolicy;
  const ints: (keyof RetryPolicy)[] = ['minDelayTarget', 'maxDelayTarget', 'numRetries', 'numMaxDelayRetries', 'numNoDelayRetries', 'numMinDelayRetries'];
  for (const k of ints) if (!Number.isInteger(r[k]) || (r[k] as number) < 0) throw bad(what, `${k} must be a non-negative integer`);
  if (r.numRetries > 100) throw bad(what, 'numRetries must be at most 100');
  if (r.minDelayTarget < 1) throw bad(what, 'minDelayTarget must be at least 1');
  if (r.maxDelayTarget > 3600) throw bad(what, 'maxDelayTarget must be at most 3600');
  if (r.minDelayTarget > r.maxDelayTarget) throw bad(what, 'minDelayTarget must be less than or equal to maxDelayTarget');
  if (r.numNoDelayRetries + r.numMinDelayRetries + r.numMaxDelayRetries > r.numRetries)
    throw bad(what, 'numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries');
  if (!['linear', 'arithmetic', 'geometric', 'exponential'].includes(r.backoffFunction)) throw bad(what, `unknown backoffFunction ${String(r.backoffFunction)}`);
  return r;
}

function checkRequestPolicy(what: string, p: unknown): void {
  if (p === undefined) return;
  if (!isObj(p)) throw bad(what, 'requestPolicy must be a JSON object');
  if (p.headerContentType !== undefined && !CONTENT_TYPES.includes(p.headerContentType)) throw bad(what, `unsupported headerContentType ${String(p.headerContentType)}`);
}

/** Validates a topic DeliveryPolicy; returns it normalised (the EffectiveDeliveryPolicy). */
export function checkTopicDeliveryPolicy(json: string): string {
  if (json === '') return DEFAULT_TOPIC_DELIVERY_POLICY;
  const doc = parseJson('DeliveryPolicy', json);
  for (const k of Object.keys(doc)) if (!['http', 'https', 'sqs', 'lambda', 'email', 'email-json', 'application', 'sms', 'firehose'].includes(k)) throw bad('DeliveryPolicy', `unknown protocol ${k}`);
  const http = doc.http ?? {};
  if (!isObj(http)) throw bad('DeliveryPolicy', 'http must be a JSON object');
  const retry = checkRetry('DeliveryPolicy', http.defaultHealthyRetryPolicy);
  checkRequestPolicy('DeliveryPolicy', http.defaultRequestPolicy);
  return JSON.stringify({ http: {
    defaultHealthyRetryPolicy: retry,
    disableSubscriptionOverrides: http.disableSubscriptionOverrides === true,
    ...(http.defaultThrottlePolicy ? { defaultThrottlePolicy: http.defaultThrottlePolicy } : {}),
    defaultRequestPolicy: { headerContentType: http.defaultRequestPolicy?.headerContentType ?? DEFAULT_CONTENT_TYPE },
  } });
}

/** Validates a subscription DeliveryPolicy. */
export function checkSubscriptionDeliveryPolicy(json: string): void {
  if (json === '') return;
  const doc = parseJson('DeliveryPolicy', json);
  for (const k of Object.keys(doc)) if (!['healthyRetryPolicy', 'throttlePolicy', 'requestPolicy', 'sicklyRetryPolicy', 'guaranteed'].includes(k)) throw bad('DeliveryPolicy', `unknown key ${k}`);
  if (doc.healthyRetryPolicy !== undefined) checkRetry('DeliveryPolicy', doc.healthyRetryPolicy);
  checkRequestPolicy('DeliveryPolicy', doc.requestPolicy);
  if (doc.throttlePolicy !== undefined && (!isObj(doc.throttlePolicy) || (doc.throttlePolicy.maxReceivesPerSecond !== undefined && !(Number.isInteger(doc.throttlePolicy.maxReceivesPerSecond) && doc.throttlePolicy.maxReceivesPerSecond >= 1))))
    throw bad('DeliveryPolicy', 'throttlePolicy.maxReceivesPerSecond must be a positive integer');
}

/** The policy an HTTP/S subscription is delivered with: its own over the topic's (unless overrides are disabled). */
export function effectivePolicy(topicPolicy: string | undefined, subPolicy: string | undefined): { retry: RetryPolicy; contentType: string; json: string } {
  const topic = JSON.parse(checkTopicDeliveryPolicy(topicPolicy ?? '')).http;
  let retry: RetryPolicy = topic.defaultHealthyRetryPolicy;
  let contentType: string = topic.defaultRequestPolicy.headerContentType;
  let throttle = topic.defaultThrottlePolicy;
  if (subPolicy && !topic.disableSubscriptionOverrides) {
    const sub = JSON.parse(subPolicy);
    if (sub.healthyRetryPolicy) retry = { ...DEFAULT_RETRY, ...sub.healthyRetryPolicy };
    if (sub.requestPolicy?.headerContentType) contentType = sub.requestPolicy.headerContentType;
    if (sub.throttlePolicy) throttle = sub.throttlePolicy;
  }
  const json = JSON.stringify({ healthyRetryPolicy: retry, ...(throttle ? { throttlePolicy: throttle } : {}), requestPolicy: { headerContentType: contentType }, guaranteed: false });
  return { retry, contentType, json };
}

/**
 * Delay in ms before retry number `retry` (1-based), or undefined when the policy is exhausted.
 */
export function retryDelayMs(p: RetryPolicy, retry: number): number | undefined {
  if (retry > p.numRetries) return undefined;
  if (retry <= p.numNoDelayRetries) return 0;
  let i = retry - p.numNoDelayRetries;
  if (i <= p.numMinDelayRetries) return p.minDelayTarget * 1000;
  i -= p.numMinDelayRetries;
  const backoff = p.numRetries - p.numNoDelayRetries - p.numMinDelayRetries - p.numMaxDelayRetries;
  if (i > backoff) return p.maxDelayTarget * 1000;
  const x = backoff <= 1 ? 1 : (i - 1) / (backoff - 1);
  const f = p.backoffFunction === 'linear' ? x : p.backoffFunction === 'arithmetic' ? x * x : p.backoffFunction === 'geometric' ? x * x * x : (2 ** (10 * x) - 1) / (2 ** 10 - 1);
  return Math.round((p.minDelayTarget + (p.maxDelayTarget - p.minDelayTarget) * f) * 1000);
}
