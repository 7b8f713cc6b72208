import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Handler, RequestContext } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { ScalingEngine, type ScalingEngineOptions } from '../../engines/scaling/engine.ts';
import type { ComputePort } from '../../engines/scaling/ports.ts';
import { ScalingStore } from '../../engines/scaling/store.ts';
import type { Scheduler } from '../../engines/queue/scheduler.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import type { OperationName } from './generated/operations.ts';
import { groupHandlers } from './groups.ts';
import { policyHandlers } from './policies.ts';

// EC2 Auto Scaling over the query protocol (API 2011-01-01).
//
// LIMITATIONS (see README "Auto Scaling"):
// - Launch templates only (no launch configurations, no InstanceId-based groups); MixedInstancesPolicy uses its
//   launch template and first override's instance type (no Spot, no allocation strategies, no weights).
// - Traffic sources: ELBv2 target groups only (no Classic ELB names, no VPC Lattice).
// - Warm pools, standby, suspended processes, notifications (SNS/EventBridge) and lifecycle hook notifications are not implemented.
// - Target tracking evaluates its metric in the scaler at the configured resolution (AlarmHigh: 3 datapoints above the target,
//   AlarmLow: 15 below 90% of it), and also creates AWS-named CloudWatch alarms when CloudWatch is wired.
// - Predictive scaling forecasts from up to 14 days of hourly history (see src/engines/scaling/forecast.ts).

export const autoscalingModel = JSON.parse(readFileSync(new URL('../../../models/autoscaling.json', import.meta.url), 'utf8')) as ServiceModel;

export interface AutoScalingDeps {
  db: Db;
  compute: ComputePort;
  clock: Clock;
  log: Logger;
  scheduler?: Scheduler;
  engine?: Partial<Pick<ScalingEngineOptions, 'lb' | 'metrics' | 'alarms' | 'tickMs' | 'busyTickMs' | 'metricPeriodSec'>>;
}

export interface AutoScalingService {
  service: ServiceDefinition;
  engine: ScalingEngine;
  close(): Promise<void>;
}

const engines = new WeakMap<ServiceDefinition, ScalingEngine>();
/** The scaler behind a registered autoscaling service (benches and the lead's wiring reach it through the registry). */
export const scalingEngineOf = (def: ServiceDefinition | undefined): ScalingEngine | undefined => (def ? engines.get(def) : undefined);

export function createAutoScalingService(deps: AutoScalingDeps): AutoScalingService {
  const engine = new ScalingEngine({ store: new ScalingStore(deps.db), compute: deps.compute, clock: deps.clock, log: deps.log, scheduler: deps.scheduler, ...deps.engine });
  const typed: Record<OperationName, (input: any, scope: { account: string; region: string }) => unknown> = {
    ...groupHandlers(engine, deps.compute),
    ...policyHandlers(engine),
  };
  const handlers: Record<string, Handler> = {};
  for (const [op, h] of Object.entries(typed)) handlers[op] = (input, ctx: RequestContext) => h(input ?? {}, { account: ctx.account, region: ctx.region });
  const service: ServiceDefinition = {
      name: 'autoscaling',
      model: autoscalingModel,
      protocols: [protocols.query],
      handlers,
      limitations: [
        'Launch templates only (no launch configurations); MixedInstancesPolicy uses its template and first override type',
        'Target groups (ELBv2) are the only traffic sources; warm pools, standby and notifications are not implemented',
        'Predictive scaling forecasts from hourly metric history (daily/weekly seasonality averages)',
      ],
  };
  engines.set(service, engine);
  return { engine, close: () => engine.close(), service };
}
