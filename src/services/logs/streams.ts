import { describeLogStreams, groupFrom, type LogStore } from '../../engines/logs/index.ts';
import { groupRef, logStreamShape, required, type LogsHandlers } from './handlers.ts';

// Log streams: create, delete, describe.

type StreamOps = 'CreateLogStream' | 'DeleteLogStream' | 'DescribeLogStreams';

export function streamHandlers(logs: LogStore): LogsHandlers<StreamOps> {
  return {
    CreateLogStream: (input, ctx) => {
      logs.createLogStream({ ...groupRef(ctx, input.logGroupName), stream: required(input.logStreamName, 'logStreamName') });
    },

    DeleteLogStream: (input, ctx) => {
      logs.deleteLogStream({ ...groupRef(ctx, input.logGroupName), stream: required(input.logStreamName, 'logStreamName') });
    },

    DescribeLogStreams: (input, ctx) => {
      const ref = groupFrom(ctx, input.logGroupName, input.logGroupIdentifier);
      const g = logs.getLogGroup(ref);
      const page = describeLogStreams(logs, ref, {
        prefix: input.logStreamNamePrefix, orderBy: input.orderBy, descending: input.descending, limit: input.limit, nextToken: input.nextToken,
      });
      return { logStreams: page.items.map((s) => logStreamShape(logs, g, s)), nextToken: page.nextToken };
    },
  };
}
