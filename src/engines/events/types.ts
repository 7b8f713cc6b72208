// Public shapes of the EventBridge engine.

export type RuleStateName = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface TargetDoc {
  id: string;
  arn: string;
  roleArn?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
  /** SqsParameters.MessageGroupId (FIFO queues). */
  messageGroupId?: string;
  deadLetterArn?: string;
  retry?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
}

/** One rule as stored (a JSON document per rule in events_rules). */
export interface RuleDoc {
  account: string;
  region: string;
  bus: string;
  name: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: RuleStateName;
  description?: string;
  roleArn?: string;
  createdBy: string;
  /** Where the rate grid starts (set when the schedule is set, changed or re-enabled). */
  scheduleAnchor?: number;
  targets: TargetDoc[];
  tags: Record<string, string>;
  createdAt: number;
}

export interface Scope {
  account: string;
  region: string;
}

export type DeliveryResult = { ok: true } | { ok: false; error: string; retryable?: boolean };

/**
 * How the engine reaches its targets (wired in app.ts). Each resolves once the target has accepted the event;
 * Lambda functions are invoked asynchronously (InvocationType Event), as EventBridge does.
 */
export interface TargetPorts {
  lambda?(functionArn: string, event: string): Promise<DeliveryResult>;
  sqs?(ref: { account: string; region: string; name: string }, body: string, opts: { messageGroupId?: string; deduplicationId?: string; attributes?: Record<string, { DataType: string; StringValue: string }> }): Promise<void>;
  sns?(topicArn: string, message: string): Promise<void>;
}

/** One PutEvents entry after validation. */
export interface EventEntry {
  source: string;
  detailType: string;
  detail: string;
  resources?: string[];
  time?: number;
  bus?: string;
}
