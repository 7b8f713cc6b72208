// CloudWatch Logs quotas Nimbus enforces (AWS defaults).
export const LIMITS = {
  /** PutLogEvents: events per batch. */
  maxBatchEvents: 10_000,
  /** PutLogEvents: batch size, counted as UTF-8 message bytes + 26 per event. */
  maxBatchBytes: 1_048_576,
  /** One event: UTF-8 message bytes + 26. */
  maxEventBytes: 262_144,
  eventOverhead: 26,
  /** A batch must not span more than this. */
  maxBatchSpanMs: 24 * 3_600_000,
  /** Events older than this (or than the group's retention) are rejected. */
  maxAgeMs: 14 * 86_400_000,
  /** Events further in the future than this are rejected. */
  maxFutureMs: 2 * 3_600_000,
  /** GetLogEvents / FilterLogEvents: events and bytes per response. */
  maxResponseEvents: 10_000,
  maxResponseBytes: 1_048_576,
  /** DescribeLogGroups / DescribeLogStreams page size (default and max). */
  describeLimit: 50,
  /** FilterLogEvents: logStreamNames per request. */
  maxFilterStreams: 100,
  /** Events one FilterLogEvents call scans before it returns a nextToken (keeps each call short). */
  filterScanBudget: 200_000,
  /** Log groups per account and region. */
  maxGroups: 1_000_000,
  maxTags: 50,
  nameLength: 512,
} as const;

/** The retention periods AWS accepts (days). */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const DAY_MS = 86_400_000;

/** How AWS counts an event's size: UTF-8 bytes of the message + 26. */
export const eventBytes = (message: string) => Buffer.byteLength(message, 'utf8') + LIMITS.eventOverhead;
