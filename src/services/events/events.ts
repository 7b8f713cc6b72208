import type { EventsEngine } from '../../engines/events/index.ts';
import { scope, type EventsHandlers } from './rules.ts';

// PutEvents (default bus) and TestEventPattern.

export function eventHandlers(engine: EventsEngine): EventsHandlers<'PutEvents' | 'TestEventPattern'> {
  return {
    PutEvents(input, ctx) {
      const results = engine.putEvents(scope(ctx), (input.Entries ?? []).map((e) => ({
        source: e.Source ?? '', detailType: e.DetailType ?? '', detail: e.Detail ?? '', resources: e.Resources,
        time: e.Time ? e.Time.getTime() : undefined, bus: e.EventBusName,
      })));
      return {
        FailedEntryCount: results.filter((r) => r.errorCode).length,
        Entries: results.map((r) => (r.errorCode ? { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage } : { EventId: r.eventId })),
      };
    },
    TestEventPattern(input) {
      return { Result: engine.testPattern(input.EventPattern, input.Event) };
    },
  };
}
