import { filterLogEvents, getLogEvents, groupFrom, type LogStore } from '../../engines/logs/index.ts';
import { groupRef, required, type LogsHandlers } from './handlers.ts';

// Log events: PutLogEvents, GetLogEvents, FilterLogEvents.

type EventOps = 'PutLogEvents' | 'GetLogEvents' | 'FilterLogEvents';

export function eventHandlers(logs: LogStore): LogsHandlers<EventOps> {
  return {
    PutLogEvents: async (input, ctx) => {
      const ref = { ...groupRef(ctx, input.logGroupName), stream: required(input.logStreamName, 'logStreamName') };
      // sequenceToken is accepted and ignored, as AWS does since 2023.
      const r = await logs.putLogEvents(ref, required(input.logEvents, 'logEvents'));
      return { nextSequenceToken: r.nextSequenceToken, rejectedLogEventsInfo: r.rejected };
    },

    GetLogEvents: (input, ctx) => {
      const ref = { ...groupFrom(ctx, input.logGroupName, input.logGroupIdentifier), stream: required(input.logStreamName, 'logStreamName') };
      const r = getLogEvents(logs, ref, { startTime: input.startTime, endTime: input.endTime, startFromHead: input.startFromHead, limit: input.limit, nextToken: input.nextToken });
      return {
        events: r.events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
        nextForwardToken: r.nextForwardToken, nextBackwardToken: r.nextBackwardToken,
      };
    },

    FilterLogEvents: (input, ctx) => {
      const ref = groupFrom(ctx, input.logGroupName, input.logGroupIdentifier);
      const r = filterLogEvents(logs, ref, {
        logStreamNames: input.logStreamNames, logStreamNamePrefix: input.logStreamNamePrefix, startTime: input.startTime, endTime: input.endTime,
        filterPattern: input.filterPattern, limit: input.limit, nextToken: input.nextToken,
      });
      return {
        events: r.events.map((e) => ({ logStreamName: e.stream, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: String(e.id) })),
        searchedLogStreams: r.searchedLogStreams, nextToken: r.nextToken,
      };
    },
  };
}
