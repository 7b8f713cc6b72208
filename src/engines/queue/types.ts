// Public shapes of the queue engine. Message attribute values keep AWS's member names so the SQS service maps
// them straight through; everything else is camelCase.

export interface QueueRef {
  account: string;
  region: string;
  name: string;
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

export interface QueueInfo {
  account: string;
  region: string;
  name: string;
  arn: string;
  fifo: boolean;
  /** epoch ms */
  createdAt: number;
  modifiedAt: number;
}

export interface SendMessageInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: MessageAttributes;
  /** Only AWSTraceHeader (String) is accepted, as on AWS. */
  messageSystemAttributes?: MessageAttributes;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  /** SenderId attribute; defaults to the queue's account id. */
  senderId?: string;
}

export interface SendMessageResult {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
  md5OfMessageSystemAttributes?: string;
  /** FIFO only: 20 digits, increasing per queue. */
  sequenceNumber?: string;
}

export interface ReceiveOptions {
  /** 1–10, default 1. */
  maxNumberOfMessages?: number;
  /** 0–43200 s; default: the queue's VisibilityTimeout. */
  visibilityTimeout?: number;
  /** 0–20 s; default: the queue's ReceiveMessageWaitTimeSeconds. */
  waitTimeSeconds?: number;
  /** System attributes to return ('All' or names such as 'ApproximateReceiveCount'); none when absent, as on AWS. */
  attributeNames?: string[];
  /** Message attributes to return ('All', '.*', 'prefix.*' or names); none when absent. */
  messageAttributeNames?: string[];
  /** Aborting a long poll (client went away) resolves it with no messages. */
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /** Present only when some attributes are returned; the MD5 covers exactly the returned ones. */
  messageAttributes?: MessageAttributes;
  md5OfMessageAttributes?: string;
  /** Requested system attributes, values as SQS renders them (timestamps in epoch ms). */
  attributes: Record<string, string>;
}

export interface BatchFailure {
  id: string;
  code: string;
  message: string;
  senderFault: boolean;
}

export interface BatchResult<T> {
  successful: T[];
  failed: BatchFailure[];
}

export interface MoveTaskEntry {
  taskHandle?: string;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
  sourceArn: string;
  destinationArn?: string;
  maxNumberOfMessagesPerSecond?: number;
  approximateNumberOfMessagesMoved: number;
  approximateNumberOfMessagesToMove: number;
  failureReason?: string;
  /** epoch ms */
  startedTimestamp: number;
}
