import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { EventsEngine, type TargetPorts } from '../../engines/events/index.ts';
import type { Scheduler } from '../../engines/queue/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import { eventHandlers } from './events.ts';
import type { Operations } from './generated/operations.ts';
import { ruleHandlers } from './rules.ts';
import { tagHandlers } from './tags.ts';
import { targetHandlers } from './targets.ts';

// EventBridge (JSON 1.1, X-Amz-Target AWSEvents.*) over the events engine (src/engines/events): rules with event
// patterns and schedules on the default event bus, delivering to Lambda (asynchronous invoke), SQS and SNS.
//
// LIMITATIONS (see README "EventBridge"):
// - Only the default event bus (no CreateEventBus, custom or partner buses); no archives, replays, API destinations,
//   connections, endpoints, permissions (PutPermission) or managed rules.
// - Targets: Lambda function, SQS queue and SNS topic ARNs only. RoleArn is stored, not used (no IAM).
// - Schedules are UTC, at whole minutes, on the Nimbus clock; missed firings while Nimbus is down are not replayed.
//   A process that stalls fires at most 10 missed occurrences per rule when it wakes.
// - Failed deliveries are retried in memory (exponential backoff up to a minute, RetryPolicy honoured) and are lost on
//   restart; dead-letter queues must be SQS queues.
// - Event patterns: exact, prefix, suffix, equals-ignore-case, anything-but, numeric, exists, wildcard, cidr (IPv4), $or.
// - AWS events (aws.ec2 state changes and the like) are not emitted by other Nimbus services yet.

export const eventsModel = JSON.parse(readFileSync(new URL('../../../models/events.json', import.meta.url), 'utf8')) as ServiceModel;

export interface EventsDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Timers for schedules and retries (real timers by default; tests inject a ManualScheduler). */
  scheduler?: Scheduler;
  ports?: TargetPorts;
  retryBaseMs?: number;
}

export interface EventsService {
  service: ServiceDefinition & { engine: EventsEngine };
  engine: EventsEngine;
  close(): void;
}

export function createEventsService(deps: EventsDeps): EventsService {
  const engine = new EventsEngine({ db: deps.db, clock: deps.clock, log: deps.log, scheduler: deps.scheduler, ports: deps.ports, retryBaseMs: deps.retryBaseMs });
  const handlers: HandlerMap<Operations> = {
    ...ruleHandlers(engine),
    ...targetHandlers(engine),
    ...eventHandlers(engine),
    ...tagHandlers(engine),
  };
  return {
    engine,
    service: {
      name: 'events',
      model: eventsModel,
      protocols: [protocols.json],
      handlers: handlers as unknown as Record<string, Handler>,
      // Tests and tools reach the engine (tick() after moving a ManualClock) through the registry.
      engine,
      limitations: [
        'Default event bus only: no custom/partner buses, archives, replays, API destinations or connections',
        'Targets: Lambda functions (asynchronous invoke), SQS queues and SNS topics; RoleArn stored, not used',
        'Schedules run in UTC on the Nimbus clock; firings missed while down are not replayed',
        'Delivery retries are kept in memory (lost on restart); dead-letter queues must be SQS',
      ],
    },
    close: () => engine.close(),
  };
}

/** The events engine of a running Nimbus (tests: `eventsEngineOf(nimbus.registry.services)`). */
export function eventsEngineOf(services: ServiceDefinition[]): EventsEngine | undefined {
  return (services.find((s) => s.name === 'events') as (ServiceDefinition & { engine?: EventsEngine }) | undefined)?.engine;
}
