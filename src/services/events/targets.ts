import type { EventsEngine, TargetDoc } from '../../engines/events/index.ts';
import { ValidationException } from '../../engines/events/errors.ts';
import type { Target } from './generated/shapes.ts';
import { scope, type EventsHandlers } from './rules.ts';

// Targets: PutTargets, RemoveTargets, ListTargetsByRule (Lambda functions, SQS queues, SNS topics).

export function targetDoc(t: Target): TargetDoc {
  return {
    id: t.Id, arn: t.Arn, roleArn: t.RoleArn, input: t.Input, inputPath: t.InputPath,
    inputTransformer: t.InputTransformer ? { inputPathsMap: t.InputTransformer.InputPathsMap, inputTemplate: t.InputTransformer.InputTemplate } : undefined,
    messageGroupId: t.SqsParameters?.MessageGroupId, deadLetterArn: t.DeadLetterConfig?.Arn,
    retry: t.RetryPolicy ? { maximumRetryAttempts: t.RetryPolicy.MaximumRetryAttempts, maximumEventAgeInSeconds: t.RetryPolicy.MaximumEventAgeInSeconds } : undefined,
  };
}

export function targetShape(t: TargetDoc): Target {
  return {
    Id: t.id, Arn: t.arn, RoleArn: t.roleArn, Input: t.input, InputPath: t.inputPath,
    InputTransformer: t.inputTransformer ? { InputPathsMap: t.inputTransformer.inputPathsMap, InputTemplate: t.inputTransformer.inputTemplate } : undefined,
    SqsParameters: t.messageGroupId ? { MessageGroupId: t.messageGroupId } : undefined,
    DeadLetterConfig: t.deadLetterArn ? { Arn: t.deadLetterArn } : undefined,
    RetryPolicy: t.retry ? { MaximumRetryAttempts: t.retry.maximumRetryAttempts, MaximumEventAgeInSeconds: t.retry.maximumEventAgeInSeconds } : undefined,
  };
}

export function targetHandlers(engine: EventsEngine): EventsHandlers<'PutTargets' | 'RemoveTargets' | 'ListTargetsByRule'> {
  return {
    PutTargets(input, ctx) {
      // Issue 8: targets are delivered to as their owner (a queue, topic or function of that account); another
      // account's target would let this account write into it. AWS checks the target's policy; Nimbus refuses.
      for (const t of input.Targets ?? []) {
        for (const arn of [t.Arn, t.DeadLetterConfig?.Arn]) {
          const owner = arn ? /^arn:aws[a-zA-Z-]*:[a-z0-9-]+:[^:]*:(\d{12}):/.exec(arn)?.[1] : undefined;
          if (owner && owner !== ctx.account) throw new ValidationException(`Target ${t.Id}: ${arn} belongs to account ${owner}; Nimbus delivers only to targets in the rule's own account.`);
        }
      }
      const out = engine.putTargets(scope(ctx), input.Rule, input.EventBusName, (input.Targets ?? []).map(targetDoc));
      return { FailedEntryCount: out.failed.length, FailedEntries: out.failed.map((f) => ({ TargetId: f.id, ErrorCode: f.code, ErrorMessage: f.message })) };
    },
    RemoveTargets(input, ctx) {
      const out = engine.removeTargets(scope(ctx), input.Rule, input.EventBusName, input.Ids ?? []);
      return { FailedEntryCount: out.failed.length, FailedEntries: out.failed.map((f) => ({ TargetId: f.id, ErrorCode: f.code, ErrorMessage: f.message })) };
    },
    ListTargetsByRule(input, ctx) {
      const out = engine.listTargets(scope(ctx), input.Rule, { bus: input.EventBusName, limit: input.Limit, nextToken: input.NextToken });
      return { Targets: out.targets.map(targetShape), NextToken: out.nextToken };
    },
  };
}
