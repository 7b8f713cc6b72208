import { checkSubscriptionDeliveryPolicy, effectivePolicy } from './delivery-policy.ts';
import { InvalidParameter } from './errors.ts';
import { compileFilterPolicy, type FilterScope } from './filter.ts';
import type { Subscription, Topic } from './types.ts';
import { checkBool, checkJson, isLambdaArn, parseQueueArn } from './validate.ts';

// Subscription attributes and endpoint checks.

const SETTABLE = new Set(['DeliveryPolicy', 'FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy', 'SubscriptionRoleArn']);
const RAW_PROTOCOLS = new Set(['sqs', 'http', 'https', 'firehose']);

/** Validates one settable attribute; returns the value to store ('' removes it). */
export function checkSubscriptionAttribute(sub: Pick<Subscription, 'protocol' | 'attributes'>, name: string, value: string): string {
  if (!SETTABLE.has(name)) throw new InvalidParameter('Invalid parameter: AttributeName');
  switch (name) {
    case 'RawMessageDelivery': {
      const v = checkBool('RawMessageDelivery', value);
      if (v === 'true' && !RAW_PROTOCOLS.has(sub.protocol))
        throw new InvalidParameter(`Invalid parameter: Attributes Reason: Delivery protocol [${sub.protocol}] does not support raw message delivery.`);
      return v;
    }
    case 'FilterPolicyScope':
      if (value !== 'MessageAttributes' && value !== 'MessageBody')
        throw new InvalidParameter(`Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`);
      if (sub.attributes.FilterPolicy) compileFilterPolicy(sub.attributes.FilterPolicy, value);
      return value;
    case 'FilterPolicy':
      if (value !== '') compileFilterPolicy(value, (sub.attributes.FilterPolicyScope as FilterScope) ?? 'MessageAttributes');
      return value;
    case 'RedrivePolicy': {
      if (value === '') return value;
      const doc = checkJson('RedrivePolicy', value);
      const target = doc.deadLetterTargetArn;
      if (typeof target !== 'string' || !parseQueueArn(target)) throw new InvalidParameter('Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn');
      return value;
    }
    case 'DeliveryPolicy':
      checkSubscriptionDeliveryPolicy(value);
      return value;
    default:
      return value;
  }
}

/** Checks that an endpoint fits its protocol (and the topic type). */
export function checkEndpoint(topic: Topic, protocol: string, endpoint: string | undefined): string {
  if (endpoint === undefined || endpoint === '') throw new InvalidParameter('Invalid parameter: Endpoint');
  if (topic.fifo && protocol !== 'sqs') throw new InvalidParameter(`Invalid parameter: Endpoint Reason: FIFO topics support only the sqs protocol, not ${protocol}`);
  switch (protocol) {
    case 'http':
    case 'https':
      if (!endpoint.toLowerCase().startsWith(`${protocol}://`)) throw new InvalidParameter('Invalid parameter: Endpoint must match the specified protocol');
      try {
        new URL(endpoint);
      } catch {
        throw new InvalidParameter('Invalid parameter: Endpoint');
      }
      return endpoint;
    case 'email':
    case 'email-json':
      if (!/^[^\s@]+@[^\s@]+$/.test(endpoint)) throw new InvalidParameter('Invalid parameter: Email address');
      return endpoint;
    case 'sqs': {
      const q = parseQueueArn(endpoint);
      if (!q) throw new InvalidParameter('Invalid parameter: SQS endpoint ARN');
      if (q.name.endsWith('.fifo') && !topic.fifo)
        throw new InvalidParameter('Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics');
      return endpoint;
    }
    case 'lambda':
      if (!isLambdaArn(endpoint)) throw new InvalidParameter('Invalid parameter: Lambda endpoint ARN');
      return endpoint;
    default:
      throw new InvalidParameter('Invalid parameter: Protocol');
  }
}

export function subscriptionAttributeView(sub: Subscription, topic: Topic | undefined): Record<string, string> {
  const out: Record<string, string> = {
    SubscriptionArn: sub.arn,
    TopicArn: sub.topicArn,
    Owner: sub.owner,
    Protocol: sub.protocol,
    Endpoint: sub.endpoint,
    PendingConfirmation: String(sub.pending),
    ConfirmationWasAuthenticated: String(sub.authenticated || !sub.pending && (sub.protocol === 'sqs' || sub.protocol === 'lambda')),
    RawMessageDelivery: 'false',
    SubscriptionPrincipal: `arn:aws:iam::${sub.owner}:root`,
    ...sub.attributes,
  };
  if (sub.attributes.FilterPolicy && !sub.attributes.FilterPolicyScope) out.FilterPolicyScope = 'MessageAttributes';
  if (sub.protocol === 'http' || sub.protocol === 'https') out.EffectiveDeliveryPolicy = effectivePolicy(topic?.attributes.DeliveryPolicy, sub.attributes.DeliveryPolicy).json;
  for (const [k, v] of Object.entries(out)) if (v === '') delete out[k];
  return out;
}
