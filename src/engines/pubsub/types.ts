// Public shapes of the pub/sub (SNS) engine. Attribute maps keep AWS's names and string values, as on the wire.

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}
export type MessageAttributes = Record<string, MessageAttributeValue>;

export type Protocol = 'sqs' | 'http' | 'https' | 'email' | 'email-json' | 'lambda';
export const PROTOCOLS: readonly string[] = ['sqs', 'http', 'https', 'email', 'email-json', 'lambda'];
/** Protocols AWS has that Nimbus refuses with InvalidParameter. */
export const UNSUPPORTED_PROTOCOLS: readonly string[] = ['sms', 'application', 'firehose'];

export interface Scope {
  account: string;
  region: string;
  /** Base URL of the gateway as the client reached it (http://host:port), for SubscribeURL, UnsubscribeURL, SigningCertURL. */
  baseUrl: string;
  /** The request was signed (false: an unsigned GET of a SubscribeURL/UnsubscribeURL). */
  signed?: boolean;
}

export interface Topic {
  arn: string;
  account: string;
  region: string;
  name: string;
  fifo: boolean;
  /** Settable attributes (DisplayName, Policy, DeliveryPolicy, …), defaults filled in. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** FIFO: last sequence number handed out. */
  seq: number;
  deletedSubscriptions: number;
  createdAt: number;
}

export interface Subscription {
  arn: string;
  topicArn: string;
  owner: string;
  protocol: Protocol;
  endpoint: string;
  pending: boolean;
  token: string;
  /** Settable attributes: RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, DeliveryPolicy, SubscriptionRoleArn. */
  attributes: Record<string, string>;
  authenticated: boolean;
  createdAt: number;
}

export interface PublishInput {
  topicArn: string;
  message: string;
  subject?: string;
  messageStructure?: string;
  messageAttributes?: MessageAttributes;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

export interface PublishResult {
  messageId: string;
  sequenceNumber?: string;
}

/** One pending out-of-process delivery (HTTP/S POST or Lambda invoke), persisted until it succeeds or is dead-lettered. */
export interface DeliveryPayload {
  kind: 'http' | 'lambda';
  /** 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation' */
  type: string;
  messageId: string;
  topicArn: string;
  endpoint: string;
  /** HTTP: request headers; Lambda: none. */
  headers: Record<string, string>;
  body: string;
  /** Message attributes of the original publish, for a dead-letter queue. */
  messageAttributes?: MessageAttributes;
  /** FIFO publishes: for a FIFO dead-letter queue. */
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

export interface Delivery {
  id: number;
  subscriptionArn: string;
  payload: DeliveryPayload;
  attempts: number;
  nextAt: number;
  createdAt: number;
}

export interface MailMessage {
  id: number;
  account: string;
  region: string;
  subscriptionArn: string;
  topicArn: string;
  to: string;
  subject: string;
  body: string;
  contentType: string;
  /** 'SubscriptionConfirmation' | 'Notification' */
  kind: string;
  createdAt: number;
}

/**
 * How SNS reaches Lambda functions. The Lambda service registers one (PubSubEngine.setLambdaInvoker) when it
 * exists; until then lambda deliveries fail with a clear reason and go to the subscription's dead-letter queue.
 */
export interface LambdaInvoker {
  /**
   * Invokes `functionArn` asynchronously (InvocationType Event) with the SNS event JSON. Resolve `{ ok: true }` once the
   * invocation is accepted; `{ ok: false, retryable }` to fail it (retryable failures are retried per the delivery policy).
   */
  invoke(functionArn: string, event: string, meta: { subscriptionArn: string; messageId: string }): Promise<{ ok: true } | { ok: false; error: string; retryable?: boolean }>;
}
