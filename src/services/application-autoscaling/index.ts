import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { ContainerEngine } from '../../engines/containers/engine.ts';
import type { AlarmEngine, MetricsEngine } from '../../engines/metrics/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import { mustNotBeNull, requireMembers } from '../../protocol/required.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import { ValidationException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import { handlers } from './handlers.ts';
import { ApplicationScaler, type ScalableResourcePort } from './scaler.ts';
import { AppScalingStore } from './store.ts';

// Application Auto Scaling (JSON 1.1, X-Amz-Target AnyScaleFrontendService.*) for ECS services: scalable targets on
// ecs:service:DesiredCount, target tracking (ECSServiceAverageCPUUtilization / ECSServiceAverageMemoryUtilization from
// the tasks' cgroups, ALBRequestCountPerTarget, customized metrics) and step scaling through CloudWatch alarms.
//
// LIMITATIONS (see README "ECS and Fargate"):
// - The `ecs` namespace only (no DynamoDB, Aurora, Spot Fleet, Lambda provisioned concurrency…).
// - No scheduled actions or predictive scaling; no metric math in customized metrics; tags are stored only.
// - Target tracking is evaluated every NIMBUS_METRICS_PERIOD seconds over that period (AWS: one minute).

export const appScalingModel = JSON.parse(readFileSync(new URL('../../../models/application-autoscaling.json', import.meta.url), 'utf8')) as ServiceModel;

export interface AppScalingDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  metrics: MetricsEngine;
  alarms: AlarmEngine;
  ecs: ContainerEngine;
  /** Seconds between evaluations and the alarms' period (NIMBUS_METRICS_PERIOD). */
  periodSec: number;
}

export interface AppScalingService {
  service: ServiceDefinition;
  scaler: ApplicationScaler;
  close(): void;
}

/** ECS services as scalable resources (`service/<cluster>/<service>`). */
function ecsResource(ecs: ContainerEngine): ScalableResourcePort {
  const svc = (s: { account: string; region: string }, resourceId: string) => {
    const [, cluster, name] = resourceId.split('/');
    return ecs.findService(s, cluster ?? '', name ?? '');
  };
  return {
    capacity: (s, _ns, resourceId) => svc(s, resourceId)?.desiredCount,
    setCapacity(s, _ns, resourceId, _dim, n) {
      const found = svc(s, resourceId);
      if (found) ecs.setDesiredCount(found, n);
    },
  };
}

export function createAppScalingService(d: AppScalingDeps): AppScalingService {
  const store = new AppScalingStore(d.db);
  const resource = ecsResource(d.ecs);
  const scaler = new ApplicationScaler({ store, clock: d.clock, log: d.log, metrics: d.metrics, alarms: d.alarms, resource, periodSec: d.periodSec });
  scaler.start();
  // A missing required member (nested ones too) is ValidationException, as Application Auto Scaling answers it.
  const h: HandlerMap<Operations> = requireMembers(appScalingModel,
    handlers(scaler, store, (ctx, resourceId) => resource.capacity(ctx, 'ecs', resourceId, 'ecs:service:DesiredCount') !== undefined),
    (_op, path) => new ValidationException(mustNotBeNull(path)));
  return {
    scaler,
    service: {
      name: 'application-autoscaling',
      model: appScalingModel,
      protocols: [protocols.json],
      handlers: h as unknown as Record<string, Handler>,
      limitations: [
        'ecs namespace only (ECS service desired count)',
        'Target tracking and step scaling; no scheduled actions or predictive scaling',
      ],
    },
    close: () => scaler.close(),
  };
}
