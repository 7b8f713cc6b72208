import { DEFAULT_TOPIC_DELIVERY_POLICY, checkTopicDeliveryPolicy } from './delivery-policy.ts';
import { InvalidParameter } from './errors.ts';
import type { Topic } from './types.ts';
import { checkBool, checkJson } from './validate.ts';

// Topic attributes: which can be set, their checks, and what GetTopicAttributes shows.

const SETTABLE = new Set([
  'DeliveryPolicy', 'DisplayName', 'Policy', 'TracingConfig', 'KmsMasterKeyId', 'SignatureVersion', 'ContentBasedDeduplication',
  'ArchivePolicy', 'FifoThroughputScope', 'DataProtectionPolicy',
]);
// Delivery-status logging attributes (<Protocol>SuccessFeedbackRoleArn, …): stored, not acted upon.
const FEEDBACK = /^(HTTP|Firehose|Lambda|SQS|Application)(SuccessFeedbackRoleArn|SuccessFeedbackSampleRate|FailureFeedbackRoleArn)$/;

export function defaultPolicy(arn: string, account: string): string {
  return JSON.stringify({
    Version: '2008-10-17', Id: '__default_policy_ID',
    Statement: [{
      Sid: '__default_statement_ID', Effect: 'Allow', Principal: { AWS: '*' },
      Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
      Resource: arn, Condition: { StringEquals: { 'AWS:SourceOwner': account } },
    }],
  });
}

/** Validates one attribute for a topic (creating: FifoTopic allowed); returns the value to store ('' removes optional ones). */
export function checkTopicAttribute(name: string, value: string, fifo: boolean, creating: boolean): string {
  if (name === 'FifoTopic') {
    if (!creating) throw new InvalidParameter('Invalid parameter: AttributeName');
    return checkBool('FifoTopic', value);
  }
  if (!SETTABLE.has(name) && !FEEDBACK.test(name)) throw new InvalidParameter('Invalid parameter: AttributeName');
  switch (name) {
    case 'DisplayName':
      if (value.length > 100) throw new InvalidParameter('Invalid parameter: DisplayName');
      return value;
    case 'Policy':
      checkJson('Policy', value);
      return value;
    case 'DeliveryPolicy':
      if (value !== '') checkTopicDeliveryPolicy(value);
      return value;
    case 'TracingConfig':
      if (value !== 'PassThrough' && value !== 'Active') throw new InvalidParameter('Invalid parameter: Attributes Reason: TracingConfig: Invalid value. Please use either PassThrough or Active');
      return value;
    case 'SignatureVersion':
      if (value !== '1' && value !== '2') throw new InvalidParameter('Invalid parameter: SignatureVersion');
      return value;
    case 'ContentBasedDeduplication':
      if (!fifo) throw new InvalidParameter('Invalid parameter: Attributes Reason: Content-based deduplication can only be set for FIFO topics');
      return checkBool('ContentBasedDeduplication', value);
    case 'FifoThroughputScope':
      if (!fifo) throw new InvalidParameter('Invalid parameter: Attributes Reason: FifoThroughputScope can only be set for FIFO topics');
      if (value !== 'Topic' && value !== 'MessageGroup') throw new InvalidParameter('Invalid parameter: Attributes Reason: FifoThroughputScope: Invalid value. Please use either Topic or MessageGroup');
      return value;
    case 'ArchivePolicy':
      if (!fifo) throw new InvalidParameter('Invalid parameter: Attributes Reason: ArchivePolicy can only be set for FIFO topics');
      if (value !== '') checkJson('ArchivePolicy', value);
      return value;
    case 'DataProtectionPolicy':
      if (value !== '') checkJson('DataProtectionPolicy', value);
      return value;
    default:
      return value;
  }
}

export function initialAttributes(arn: string, account: string, fifo: boolean): Record<string, string> {
  return { DisplayName: '', Policy: defaultPolicy(arn, account), ...(fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}) };
}

export function topicAttributeView(t: Topic, counts: { confirmed: number; pending: number }): Record<string, string> {
  const out: Record<string, string> = {
    ...t.attributes,
    TopicArn: t.arn,
    Owner: t.account,
    SubscriptionsConfirmed: String(counts.confirmed),
    SubscriptionsPending: String(counts.pending),
    SubscriptionsDeleted: String(t.deletedSubscriptions),
    EffectiveDeliveryPolicy: t.attributes.DeliveryPolicy ? checkTopicDeliveryPolicy(t.attributes.DeliveryPolicy) : DEFAULT_TOPIC_DELIVERY_POLICY,
  };
  for (const [k, v] of Object.entries(out)) if (v === '' && k !== 'DisplayName') delete out[k];
  return out;
}
