// Trims the official botocore service models down to the operations Nimbus implements and writes
// them to models/<service>.json (committed, so CI never needs botocore).
//
//   node --import tsx scripts/trim-model.ts              # every service in SERVICES
//   node --import tsx scripts/trim-model.ts ec2 sts      # just these
//   node --import tsx scripts/trim-model.ts sqs=CreateQueue,SendMessage   # ad hoc op list
//
// Adding a service = one row in SERVICES (botocore folder + operations), then `npm run codegen`.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ServiceConfig {
  /** botocore data folder: <service>/<api version>. */
  botocore: string;
  operations: string[];
  /**
   * Services that speak JSON and query (awsQueryCompatible, e.g. SQS): the newest model is JSON-only and has lost
   * the query serialization traits, which older botocore still has. Merge them back from the newest model of this
   * folder whose protocol is `query` (see mergeQueryTraits), so one model drives both protocols.
   */
  mergeQueryTraits?: boolean;
  /** Query traits for shapes newer than the query-era model (from the Smithy model's xmlName/awsQueryError traits). */
  extraQueryTraits?: { listMembers?: Record<string, string>; errors?: Record<string, { code: string; httpStatusCode: number }> };
}

export const SERVICES: Record<string, ServiceConfig> = {
  ec2: {
    botocore: 'ec2/2016-11-15',
    operations: [
      'RunInstances', 'DescribeInstances', 'StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances',
      'DescribeInstanceStatus', 'GetConsoleOutput', 'ModifyInstanceAttribute', 'DescribeInstanceAttribute',
      'DescribeInstanceTypes', 'DescribeInstanceTypeOfferings', 'DescribeImages', 'CreateImage', 'DeregisterImage',
      'DescribeVpcs', 'DescribeSubnets', 'DescribeAvailabilityZones', 'DescribeRegions',
      'CreateSecurityGroup', 'DeleteSecurityGroup', 'DescribeSecurityGroups', 'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupEgress', 'DescribeSecurityGroupRules',
      'CreateKeyPair', 'ImportKeyPair', 'DescribeKeyPairs', 'DeleteKeyPair',
      'CreateVolume', 'DeleteVolume', 'AttachVolume', 'DetachVolume', 'DescribeVolumes',
      'CreateTags', 'DeleteTags', 'DescribeTags',
      'CreateLaunchTemplate', 'CreateLaunchTemplateVersion', 'DescribeLaunchTemplates', 'DescribeLaunchTemplateVersions',
      'ModifyLaunchTemplate', 'DeleteLaunchTemplate', 'DeleteLaunchTemplateVersions',
      // purchase options (issue 6): spot, dedicated hosts, reserved instances
      'RequestSpotInstances', 'DescribeSpotInstanceRequests', 'CancelSpotInstanceRequests', 'DescribeSpotPriceHistory',
      'AllocateHosts', 'DescribeHosts', 'ReleaseHosts', 'ModifyHosts', 'ModifyInstancePlacement',
      'DescribeReservedInstancesOfferings', 'PurchaseReservedInstancesOffering', 'DescribeReservedInstances',
    ],
  },
  sts: { botocore: 'sts/2011-06-15', operations: ['GetCallerIdentity'] },
  autoscaling: {
    botocore: 'autoscaling/2011-01-01',
    operations: [
      'CreateAutoScalingGroup', 'UpdateAutoScalingGroup', 'DeleteAutoScalingGroup', 'DescribeAutoScalingGroups', 'DescribeAutoScalingInstances',
      'SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup', 'SetInstanceProtection', 'SetInstanceHealth', 'AttachInstances', 'DetachInstances',
      'AttachLoadBalancerTargetGroups', 'DetachLoadBalancerTargetGroups', 'DescribeLoadBalancerTargetGroups',
      'AttachTrafficSources', 'DetachTrafficSources', 'DescribeTrafficSources',
      'PutScalingPolicy', 'DescribePolicies', 'DeletePolicy', 'ExecutePolicy', 'GetPredictiveScalingForecast',
      'PutScheduledUpdateGroupAction', 'DescribeScheduledActions', 'DeleteScheduledAction',
      'PutLifecycleHook', 'DeleteLifecycleHook', 'DescribeLifecycleHooks', 'CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat',
      'StartInstanceRefresh', 'DescribeInstanceRefreshes', 'CancelInstanceRefresh', 'DescribeScalingActivities',
      'CreateOrUpdateTags', 'DeleteTags', 'DescribeTags', 'DescribeAccountLimits',
    ],
  },
  elbv2: {
    botocore: 'elbv2/2015-12-01',
    operations: [
      'CreateLoadBalancer', 'DescribeLoadBalancers', 'DeleteLoadBalancer', 'ModifyLoadBalancerAttributes', 'DescribeLoadBalancerAttributes',
      'CreateListener', 'DescribeListeners', 'ModifyListener', 'DeleteListener',
      'CreateRule', 'DescribeRules', 'ModifyRule', 'DeleteRule', 'SetRulePriorities',
      'CreateTargetGroup', 'DescribeTargetGroups', 'ModifyTargetGroup', 'ModifyTargetGroupAttributes', 'DescribeTargetGroupAttributes',
      'DeleteTargetGroup', 'RegisterTargets', 'DeregisterTargets', 'DescribeTargetHealth',
      'AddTags', 'RemoveTags', 'DescribeTags', 'DescribeAccountLimits',
    ],
  },
  sns: {
    botocore: 'sns/2010-03-31',
    operations: [
      'CreateTopic', 'DeleteTopic', 'ListTopics', 'GetTopicAttributes', 'SetTopicAttributes',
      'Subscribe', 'ConfirmSubscription', 'Unsubscribe', 'ListSubscriptions', 'ListSubscriptionsByTopic',
      'GetSubscriptionAttributes', 'SetSubscriptionAttributes', 'Publish', 'PublishBatch',
      'TagResource', 'UntagResource', 'ListTagsForResource',
    ],
  },
  sqs: {
    botocore: 'sqs/2012-11-05',
    operations: [
      'CreateQueue', 'GetQueueUrl', 'ListQueues', 'DeleteQueue', 'GetQueueAttributes', 'SetQueueAttributes',
      'TagQueue', 'UntagQueue', 'ListQueueTags', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage',
      'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch', 'PurgeQueue',
      'ListDeadLetterSourceQueues', 'StartMessageMoveTask', 'ListMessageMoveTasks', 'CancelMessageMoveTask',
      'AddPermission', 'RemovePermission',
    ],
    // The newest model is JSON-only (awsQueryCompatible); the AWS CLI v2.9 / boto3 1.26 in Debian still speak query.
    mergeQueryTraits: true,
    extraQueryTraits: {
      // Smithy xmlName of list members; the query-era model predates these shapes.
      listMembers: { ListMessageMoveTasksResultEntryList: 'ListMessageMoveTasksResultEntry', MessageSystemAttributeList: 'AttributeName' },
      // Smithy awsQueryError codes of error shapes the query-era model lacks (or has without a code).
      errors: {
        InvalidAddress: { code: 'InvalidAddress', httpStatusCode: 404 },
        InvalidSecurity: { code: 'InvalidSecurity', httpStatusCode: 403 },
        KmsAccessDenied: { code: 'KMS.AccessDeniedException', httpStatusCode: 400 },
        KmsDisabled: { code: 'KMS.DisabledException', httpStatusCode: 400 },
        KmsInvalidKeyUsage: { code: 'KMS.InvalidKeyUsageException', httpStatusCode: 400 },
        KmsInvalidState: { code: 'KMS.InvalidStateException', httpStatusCode: 400 },
        KmsNotFound: { code: 'KMS.NotFoundException', httpStatusCode: 400 },
        KmsOptInRequired: { code: 'KMS.OptInRequired', httpStatusCode: 403 },
        KmsThrottled: { code: 'KMS.ThrottlingException', httpStatusCode: 400 },
        ReceiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', httpStatusCode: 404 },
        RequestThrottled: { code: 'RequestThrottled', httpStatusCode: 403 },
        ResourceNotFoundException: { code: 'ResourceNotFoundException', httpStatusCode: 404 },
      },
    },
  },
  logs: {
    botocore: 'logs/2014-03-28',
    operations: [
      'CreateLogGroup', 'DeleteLogGroup', 'DescribeLogGroups', 'CreateLogStream', 'DeleteLogStream', 'DescribeLogStreams',
      'PutLogEvents', 'GetLogEvents', 'FilterLogEvents', 'PutRetentionPolicy', 'DeleteRetentionPolicy',
      'TagResource', 'UntagResource', 'ListTagsForResource', 'TagLogGroup', 'UntagLogGroup', 'ListTagsLogGroup',
    ],
  },
  lambda: {
    botocore: 'lambda/2015-03-31',
    operations: [
      'CreateFunction', 'GetFunction', 'GetFunctionConfiguration', 'ListFunctions', 'UpdateFunctionCode', 'UpdateFunctionConfiguration',
      'DeleteFunction', 'PublishVersion', 'ListVersionsByFunction', 'CreateAlias', 'GetAlias', 'UpdateAlias', 'DeleteAlias', 'ListAliases',
      'PutFunctionConcurrency', 'GetFunctionConcurrency', 'DeleteFunctionConcurrency', 'GetAccountSettings',
      'TagResource', 'UntagResource', 'ListTags', 'Invoke', 'AddPermission', 'RemovePermission', 'GetPolicy',
      'CreateFunctionUrlConfig', 'GetFunctionUrlConfig', 'UpdateFunctionUrlConfig', 'DeleteFunctionUrlConfig',
      'CreateEventSourceMapping', 'GetEventSourceMapping', 'ListEventSourceMappings', 'UpdateEventSourceMapping', 'DeleteEventSourceMapping',
      'PutFunctionEventInvokeConfig', 'GetFunctionEventInvokeConfig', 'DeleteFunctionEventInvokeConfig',
    ],
  },
  cloudwatch: {
    botocore: 'cloudwatch/2010-08-01',
    operations: [
      'PutMetricData', 'GetMetricData', 'GetMetricStatistics', 'ListMetrics',
      'PutMetricAlarm', 'DescribeAlarms', 'DescribeAlarmsForMetric', 'DeleteAlarms', 'SetAlarmState',
      'EnableAlarmActions', 'DisableAlarmActions', 'DescribeAlarmHistory', 'TagResource', 'UntagResource', 'ListTagsForResource',
    ],
    // The newest model is CBOR/JSON (awsQueryCompatible); the AWS CLI v2.9 / boto3 1.26 in Debian still speak query.
    mergeQueryTraits: true,
  },
  pricing: { botocore: 'pricing/2017-10-15', operations: ['GetProducts', 'DescribeServices', 'GetAttributeValues'] },
  savingsplans: {
    botocore: 'savingsplans/2019-06-28',
    operations: [
      'CreateSavingsPlan', 'DescribeSavingsPlans', 'DescribeSavingsPlansOfferings', 'DescribeSavingsPlansOfferingRates',
      'DescribeSavingsPlanRates', 'DeleteQueuedSavingsPlan', 'TagResource', 'UntagResource', 'ListTagsForResource',
    ],
  },
  ce: {
    botocore: 'ce/2017-10-25',
    operations: [
      'GetCostAndUsage', 'GetDimensionValues', 'GetCostForecast', 'GetSavingsPlansUtilization', 'GetSavingsPlansUtilizationDetails',
      'GetSavingsPlansCoverage', 'GetReservationUtilization', 'GetReservationCoverage', 'GetSavingsPlansPurchaseRecommendation',
    ],
  },
  events: {
    botocore: 'events/2015-10-07',
    operations: [
      'PutRule', 'DescribeRule', 'ListRules', 'DeleteRule', 'EnableRule', 'DisableRule',
      'PutTargets', 'RemoveTargets', 'ListTargetsByRule', 'ListRuleNamesByTarget', 'PutEvents', 'TestEventPattern',
      'TagResource', 'UntagResource', 'ListTagsForResource',
    ],
  },
  ecs: {
    botocore: 'ecs/2014-11-13',
    operations: [
      'CreateCluster', 'DescribeClusters', 'ListClusters', 'DeleteCluster', 'UpdateCluster',
      'RegisterTaskDefinition', 'DescribeTaskDefinition', 'DeregisterTaskDefinition', 'DeleteTaskDefinitions',
      'ListTaskDefinitions', 'ListTaskDefinitionFamilies',
      'RunTask', 'StartTask', 'StopTask', 'DescribeTasks', 'ListTasks',
      'CreateService', 'UpdateService', 'DeleteService', 'DescribeServices', 'ListServices',
      'RegisterContainerInstance', 'DeregisterContainerInstance', 'DescribeContainerInstances', 'ListContainerInstances',
      'UpdateContainerInstancesState', 'TagResource', 'UntagResource', 'ListTagsForResource',
    ],
  },
  'application-autoscaling': {
    botocore: 'application-autoscaling/2016-02-06',
    operations: [
      'RegisterScalableTarget', 'DeregisterScalableTarget', 'DescribeScalableTargets', 'PutScalingPolicy', 'DescribeScalingPolicies',
      'DeleteScalingPolicy', 'DescribeScalingActivities',
    ],
  },
  eks: {
    botocore: 'eks/2017-11-01',
    operations: [
      'CreateCluster', 'DescribeCluster', 'ListClusters', 'DeleteCluster',
      'CreateNodegroup', 'DescribeNodegroup', 'ListNodegroups', 'DeleteNodegroup', 'UpdateNodegroupConfig',
      'CreateFargateProfile', 'DescribeFargateProfile', 'ListFargateProfiles', 'DeleteFargateProfile',
      'TagResource', 'UntagResource', 'ListTagsForResource',
    ],
  },
};

// Where botocore lives on the machines we regenerate on (pyenv first, then the distro package).
const BOTOCORE_ROOTS = [
  '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore',
  '/usr/lib/python3/dist-packages/botocore',
];

type Json = Record<string, any>;

function findModel(folder: string, accept: (m: Json) => boolean = () => true): { path: string; root: string; model: Json } {
  for (const root of BOTOCORE_ROOTS) {
    for (const name of ['service-2.json.gz', 'service-2.json']) {
      const path = join(root, 'data', folder, name);
      if (!existsSync(path)) continue;
      const raw = readFileSync(path);
      const model = JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as Json;
      if (accept(model)) return { path, root, model };
    }
  }
  throw new Error(`botocore model ${folder} not found under ${BOTOCORE_ROOTS.join(', ')}`);
}

/**
 * Puts the query serialization traits of `old` (a query-protocol model of the same API) into `model` (its JSON
 * successor), without changing what the JSON protocol sees:
 * - xmlNamespace, `protocols: [json, query]`, output resultWrappers (`<Op>Result` where the old model has none);
 * - list member / map key and value locationNames, shape-level locationNames and `flattened`, error codes;
 * - member-level locationNames become shape-level ones on the target shape, because the JSON protocol reads
 *   member-level locationNames as JSON keys (botocore does too) while shape-level ones only name XML/query
 *   elements. Fails if a target shape would need two different names.
 */
export function mergeQueryTraits(model: Json, old: Json, extra: ServiceConfig['extraQueryTraits'] = {}): Json {
  model.metadata = { ...model.metadata, protocols: ['json', 'query'], xmlNamespace: old.metadata.xmlNamespace };
  for (const [name, op] of Object.entries<Json>(model.operations)) {
    if (op.output) op.output = { ...op.output, resultWrapper: old.operations[name]?.output?.resultWrapper ?? `${name}Result` };
  }
  const names = new Map<string, string>();
  for (const [name, shape] of Object.entries<Json>(model.shapes)) {
    const was = old.shapes[name];
    if (!was) continue;
    if (was.locationName) shape.locationName = was.locationName;
    if (was.flattened) shape.flattened = true;
    if (was.error && !shape.error) shape.error = was.error;
    for (const k of ['member', 'key', 'value']) if (shape[k] && was[k]?.locationName) shape[k] = { ...shape[k], locationName: was[k].locationName };
    for (const [m, ref] of Object.entries<Json>(shape.members ?? {})) {
      const oldRef = was.members?.[m];
      if (!oldRef?.locationName) continue;
      if (oldRef.flattened) ref.flattened = true;
      const target = model.shapes[ref.shape];
      const isFlatList = target.type === 'list' && (ref.flattened || target.flattened);
      // A flattened list is named by its member's locationName, which the list shape already carries.
      if (isFlatList && (target.member.locationName ?? old.shapes[ref.shape]?.member?.locationName) === oldRef.locationName) continue;
      const prev = names.get(ref.shape);
      if (prev !== undefined && prev !== oldRef.locationName) throw new Error(`${ref.shape} is named both ${prev} and ${oldRef.locationName}`);
      names.set(ref.shape, oldRef.locationName);
    }
  }
  for (const [shapeName, loc] of names) {
    const was = old.shapes[shapeName]?.locationName;
    if (was && was !== loc) throw new Error(`${shapeName} is named both ${was} and ${loc}`);
    model.shapes[shapeName].locationName = loc;
  }
  for (const [name, loc] of Object.entries(extra.listMembers ?? {})) {
    if (model.shapes[name]) model.shapes[name].member = { ...model.shapes[name].member, locationName: loc };
  }
  for (const [name, e] of Object.entries(extra.errors ?? {})) {
    if (model.shapes[name] && !model.shapes[name].error) model.shapes[name].error = { ...e, senderFault: true };
  }
  return model;
}

function botocoreVersion(root: string): string {
  const m = /__version__\s*=\s*['"]([^'"]+)['"]/.exec(readFileSync(join(root, '__init__.py'), 'utf8'));
  return m ? m[1] : 'unknown';
}

/** Removes documentation strings everywhere (they are most of the bytes). */
function stripDocs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDocs);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'documentation' && k !== 'documentationUrl') out[k] = stripDocs(x);
    return out;
  }
  return v;
}

/** Shape names reachable from a shape (members, list member, map key/value). */
function refsOf(shape: Json): string[] {
  const out: string[] = [];
  for (const m of Object.values<Json>(shape.members ?? {})) out.push(m.shape);
  for (const k of ['member', 'key', 'value']) if (shape[k]) out.push(shape[k].shape);
  return out;
}

export function trim(full: Json, operations: string[], source: string): Json {
  const ops: Json = {};
  const queue: string[] = [];
  for (const name of operations) {
    const op = full.operations[name];
    if (!op) throw new Error(`operation ${name} is not in ${source}`);
    ops[name] = op;
    for (const r of [op.input, op.output, ...(op.errors ?? [])]) if (r) queue.push(r.shape);
  }
  const keep = new Set<string>();
  while (queue.length) {
    const name = queue.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    queue.push(...refsOf(full.shapes[name]));
  }
  const shapes: Json = {};
  for (const name of [...keep].sort()) shapes[name] = full.shapes[name];
  return stripDocs({
    version: full.version,
    metadata: full.metadata,
    operations: ops,
    shapes,
    _allOperations: Object.keys(full.operations).sort(),
    _source: source,
  }) as Json;
}

export function trimService(service: string, cfg: ServiceConfig, outDir: string): string {
  const { root, model: full } = findModel(cfg.botocore);
  let source = `botocore ${botocoreVersion(root)}: data/${cfg.botocore}/service-2.json`;
  if (cfg.mergeQueryTraits) {
    const q = findModel(cfg.botocore, (m) => m.metadata?.protocol === 'query');
    mergeQueryTraits(full, q.model, cfg.extraQueryTraits);
    source += ` + query traits from botocore ${botocoreVersion(q.root)}`;
  }
  const out = join(outDir, `${service}.json`);
  writeFileSync(out, JSON.stringify(trim(full, cfg.operations, source), null, 1) + '\n');
  return out;
}

function main(args: string[]): void {
  const outDir = new URL('../models/', import.meta.url).pathname;
  const wanted = args.length ? args : Object.keys(SERVICES);
  for (const arg of wanted) {
    const [name, list] = arg.split('=');
    const cfg = SERVICES[name];
    if (!cfg && !list) throw new Error(`unknown service ${name}: add it to SERVICES in scripts/trim-model.ts`);
    const ops = list ? list.split(',').filter(Boolean) : cfg.operations;
    const file = trimService(name, { ...cfg, botocore: cfg?.botocore ?? guessFolder(name), operations: ops }, outDir);
    console.log(`wrote ${file} (${ops.length} operations)`);
  }
}

/** For ad hoc `svc=Op,...` runs of services not yet in SERVICES: the newest api version folder. */
function guessFolder(service: string): string {
  for (const root of BOTOCORE_ROOTS) {
    const dir = join(root, 'data', service);
    if (existsSync(dir)) {
      const versions = readdirSorted(dir);
      if (versions.length) return `${service}/${versions[versions.length - 1]}`;
    }
  }
  throw new Error(`botocore has no service ${service}`);
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
