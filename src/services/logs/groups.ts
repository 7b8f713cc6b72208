import { describeLogGroups, groupFrom, type LogStore } from '../../engines/logs/index.ts';
import { groupRef, logGroupShape, required, type LogsHandlers } from './handlers.ts';

// Log groups: create, delete, describe, retention.

type GroupOps = 'CreateLogGroup' | 'DeleteLogGroup' | 'DescribeLogGroups' | 'PutRetentionPolicy' | 'DeleteRetentionPolicy';

export function groupHandlers(logs: LogStore): LogsHandlers<GroupOps> {
  return {
    CreateLogGroup: (input, ctx) => {
      logs.createLogGroup(groupRef(ctx, input.logGroupName), { tags: input.tags, kmsKeyId: input.kmsKeyId, logGroupClass: input.logGroupClass });
    },

    DeleteLogGroup: (input, ctx) => {
      logs.deleteLogGroup(groupRef(ctx, input.logGroupName));
    },

    DescribeLogGroups: (input, ctx) => {
      const names = input.logGroupIdentifiers?.map((id) => groupFrom(ctx, undefined, id)).filter((r) => r.account === ctx.account && r.region === ctx.region).map((r) => r.name);
      const page = describeLogGroups(logs, ctx.account, ctx.region, {
        prefix: input.logGroupNamePrefix, pattern: input.logGroupNamePattern, names, limit: input.limit, nextToken: input.nextToken,
      });
      return { logGroups: page.items.map((g) => logGroupShape(logs, g)), nextToken: page.nextToken };
    },

    PutRetentionPolicy: (input, ctx) => {
      logs.putRetentionPolicy(groupRef(ctx, input.logGroupName), required(input.retentionInDays, 'retentionInDays'));
    },

    DeleteRetentionPolicy: (input, ctx) => {
      logs.deleteRetentionPolicy(groupRef(ctx, input.logGroupName));
    },
  };
}
