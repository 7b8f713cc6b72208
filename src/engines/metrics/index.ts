// Public surface of the metrics engine (CloudWatch): used by src/services/cloudwatch and by other engines that
// publish built-in metrics or execute alarm actions.
import { globalSinks, type AlarmActionSink } from './alarms.ts';
import { registerGlobalSource } from './engine.ts';
import type { MetricsSource } from './types.ts';

export { MetricsEngine, RETENTION_MS, validPeriod, type MetricsEngineOptions, type MetricQuery, type MetricDataResult, type PointEvent } from './engine.ts';
export { AlarmEngine, periodOf, type Alarm, type AlarmConfig, type AlarmActionSink, type AlarmMessage, type AlarmStateInfo } from './alarms.ts';
export type { StateValue } from './alarm-eval.ts';
export * from './errors.ts';
export type * from './types.ts';
export { isPercentile, normaliseStat, STANDARD_STATISTICS } from './aggregate.ts';
export { ec2Source, type Ec2MetricsPort } from './sources/ec2.ts';
export { sqsSource } from './sources/sqs.ts';

/**
 * Process-wide alarm action sink for ARNs starting with `prefix` (e.g. 'arn:aws:autoscaling:'), used by every
 * AlarmEngine in the process after its own (AlarmEngine.registerAlarmAction, preferred when several Nimbus run in
 * one process). The longest matching prefix wins. Returns the unregister function.
 */
export function registerAlarmAction(prefix: string, sink: AlarmActionSink): () => void {
  globalSinks.set(prefix, sink);
  return () => globalSinks.delete(prefix);
}

/**
 * Process-wide built-in metrics source, collected by every MetricsEngine of the process at each collection period
 * boundary (MetricsEngine.registerSource is the per-engine form). Returns the unregister function.
 */
export function registerSource(source: MetricsSource): () => void {
  return registerGlobalSource(source);
}
