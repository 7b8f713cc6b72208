import type { Handler } from '../../gateway/context.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { InvalidParameterException, logGroupArn, logStreamArn, type LogGroupState, type LogStore, type LogStreamState } from '../../engines/logs/index.ts';
import type { Operations } from './generated/operations.ts';
import type * as S from './generated/shapes.ts';

/** Handlers for some of the operations, typed from the generated model. */
export type LogsHandlers<K extends keyof Operations> = {
  [P in K]: Handler<Operations[P]['input'], Operations[P]['output']>;
};

export function required<T>(v: T | undefined | null, name: string): T {
  if (v === undefined || v === null || (typeof v === 'string' && !v)) {
    throw new InvalidParameterException(`1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

export const groupRef = (ctx: RequestContext, name: string) => ({ account: ctx.account, region: ctx.region, name: required(name, 'logGroupName') });

export function logGroupShape(logs: LogStore, g: LogGroupState): S.LogGroup {
  const arn = logGroupArn(g);
  return {
    logGroupName: g.name, creationTime: g.createdAt, retentionInDays: g.retentionDays, metricFilterCount: 0,
    arn: `${arn}:*`, logGroupArn: arn, storedBytes: logs.storedBytes(g), kmsKeyId: g.kmsKeyId,
    logGroupClass: g.logGroupClass as S.LogGroupClass, deletionProtectionEnabled: false,
  };
}

export function logStreamShape(logs: LogStore, g: LogGroupState, s: LogStreamState): S.LogStream {
  return {
    logStreamName: s.name, creationTime: s.createdAt, firstEventTimestamp: s.firstEventTs, lastEventTimestamp: s.lastEventTs,
    lastIngestionTime: s.lastIngestion, uploadSequenceToken: logs.sequenceToken(), arn: logStreamArn(g, s.name), storedBytes: 0,
  };
}
