// Public shapes of the function (Lambda) engine.

/**
 * Where function logs go. The CloudWatch Logs engine implements this (createLogGroup/createLogStream/putLogEvents);
 * until it is connected, Nimbus keeps the lines in memory (MemoryLogSink) so LogType=Tail and tests still see them.
 */
export interface FunctionLogSink {
  /** Appends events to group/stream, creating both when missing. Must not throw. */
  put(account: string, region: string, group: string, stream: string, events: { timestamp: number; message: string }[]): void;
}

/** One function version as the engine runs it (resolved from the control plane's configuration). */
export interface FunctionSpec {
  account: string;
  region: string;
  name: string;
  /** Unqualified ARN. */
  arn: string;
  /** '$LATEST' or a published version number. */
  version: string;
  /** Changes whenever code or configuration changes: environments of an older revision are never reused. */
  revision: string;
  runtime: string;
  handler: string;
  memoryMiB: number;
  timeoutS: number;
  env: Record<string, string>;
  /** Host directory holding the function's code (extracted zip or a local directory). */
  codeDir: string;
  logGroup: string;
  /** Reserved concurrency of the function (all versions), undefined when none. */
  reserved?: number;
}

export interface InvokeRequest {
  payload: Buffer;
  /** The ARN the caller used (qualified with a version or alias when they did). */
  invokedArn: string;
  clientContext?: string;
  cognitoIdentity?: string;
  traceId?: string;
  /** Collect the last 4 KB of the invocation's logs (LogType=Tail). */
  tail?: boolean;
  requestId?: string;
}

export interface InvokeResult {
  requestId: string;
  payload: Buffer;
  /** 'Unhandled' when the function failed (an error response, a crash, a timeout). */
  functionError?: 'Unhandled';
  /** errorType of the failure (Runtime.ExitError, Sandbox.Timedout, the handler's error name, …). */
  errorType?: string;
  logTail?: string;
  durationMs: number;
  initMs?: number;
}

export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

export class ThrottledError extends Error {
  constructor(readonly reason: ThrottleReason) {
    super('Rate Exceeded.');
  }
}

/** One metered invocation (billing later reads lambda_usage). */
export interface UsageRecord {
  account: string;
  region: string;
  functionArn: string;
  version: string;
  requestId: string;
  startedAt: number;
  durationMs: number;
  billedMs: number;
  memoryMiB: number;
  gbSeconds: number;
  initMs: number;
  outcome: 'success' | 'error' | 'timeout';
}
