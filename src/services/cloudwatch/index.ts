import { readFileSync } from 'node:fs';
import type { AlarmEngine, MetricsEngine } from '../../engines/metrics/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import { alarmHandlers } from './alarms.ts';
import type { Operations } from './generated/operations.ts';
import { metricHandlers } from './metrics.ts';
import { cloudwatchJsonProtocol, cloudwatchQueryProtocol } from './protocol.ts';

// CloudWatch (metrics and metric alarms) over the metrics engine (src/engines/metrics), in both wire protocols:
// JSON 1.0 (current SDKs, awsQueryCompatible) and query (AWS CLI v2.9 / boto3 1.26). One model
// (models/cloudwatch.json, the newest botocore model with the query traits merged from the Debian one) drives both.
//
// LIMITATIONS (see README "CloudWatch"):
// - Raw points are kept 15 days at the resolution they arrived (no 5-minute/1-hour roll-ups, no 63-day/15-month
//   retention); high-resolution points stay queryable at 1 s for the whole 15 days (AWS: 3 hours).
// - Percentiles: nearest rank over the values put with Value or Values/Counts; a period fed only by StatisticValues
//   sets has none (as on AWS). No trimmed means or other extended statistics (tm99, wm, IQR…).
// - Metric math: + - * / ^, SUM AVG MIN MAX METRICS RATE DIFF ABS FILL CEIL FLOOR; no SEARCH, IF, anomaly
//   detection, Metrics Insights queries.
// - No composite alarms, anomaly detectors, dashboards, metric streams, insight rules, EntityMetricData.
// - Alarm periods may also be 1 or 5 s (AWS: 10, 30 or a multiple of 60). EvaluateLowSampleCountPercentile is stored only.
// - Alarm actions: SNS topics and whatever other engines register (Auto Scaling policies); EC2 actions
//   (arn:aws:automate:…) and Systems Manager are recorded as failed in the alarm history.
// - Built-in metrics: AWS/EC2 CPUUtilization (InstanceId, AutoScalingGroupName), AWS/SQS queue depth; no NetworkIn/Out.

export const cloudwatchModel = JSON.parse(readFileSync(new URL('../../../models/cloudwatch.json', import.meta.url), 'utf8')) as ServiceModel;

export function createCloudWatchService(metrics: MetricsEngine, alarms: AlarmEngine): ServiceDefinition {
  const handlers: HandlerMap<Operations> = { ...metricHandlers(metrics), ...alarmHandlers(alarms) };
  return {
    name: 'cloudwatch',
    model: cloudwatchModel,
    protocols: [cloudwatchJsonProtocol, cloudwatchQueryProtocol],
    handlers: handlers as unknown as Record<string, Handler>,
    limitations: [
      'Raw points kept 15 days at their arrival resolution; no 5-minute/1-hour roll-ups or longer retention',
      'Metric math: arithmetic, SUM/AVG/MIN/MAX/METRICS/RATE/DIFF/ABS/FILL/CEIL/FLOOR; no SEARCH, IF, anomaly detection or Metrics Insights',
      'No composite alarms, anomaly detectors, dashboards, metric streams or insight rules',
      'Alarm actions: SNS topics and registered sinks (Auto Scaling); EC2/SSM actions are recorded as failed',
    ],
  };
}
