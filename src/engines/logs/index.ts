// The log store behind CloudWatch Logs (src/services/logs), Lambda's function logs and `nimbus logs`.
export { LogStore, type LogListener, type LogStoreOptions } from './engine.ts';
export { describeLogGroups, describeLogStreams, filterLogEvents, getLogEvents, tail, type FilterOptions, type FilteredEvents, type StreamEvents, type TailOptions } from './queries.ts';
export { compileFilterPattern, type Matcher } from './filter-pattern.ts';
export { groupFrom, lambdaLogGroupName, lambdaLogStreamName, logGroupArn, logStreamArn, parseLogGroupArn } from './arn.ts';
export * from './errors.ts';
export { LIMITS, RETENTION_DAYS } from './limits.ts';
export type { GroupRef, InputEvent, LogEvent, LogGroupState, LogStreamState, RejectedInfo, StreamRef } from './types.ts';
