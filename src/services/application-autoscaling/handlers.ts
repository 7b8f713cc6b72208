import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestContext } from '../../gateway/context.ts';
import { InvalidNextTokenException, LimitExceededException, ObjectNotFoundException, ValidationException } from './errors.ts';
import type * as S from './generated/shapes.ts';
import { targetKey, trackedMetric, type ApplicationScaler } from './scaler.ts';
import type { AppScalingStore, PolicyDoc, TargetDoc } from './store.ts';

// RegisterScalableTarget, DeregisterScalableTarget, DescribeScalableTargets, PutScalingPolicy,
// DescribeScalingPolicies, DeleteScalingPolicy, DescribeScalingActivities — for the `ecs` namespace
// (ecs:service:DesiredCount of `service/<cluster>/<service>`).

const ECS_DIMENSION = 'ecs:service:DesiredCount';
const MAX_POLICIES_PER_TARGET = 50;

function checkTarget(input: { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }): void {
  if (input.ServiceNamespace !== 'ecs') throw new ValidationException(`Nimbus supports the ecs service namespace only, not ${input.ServiceNamespace}`);
  if (input.ScalableDimension !== ECS_DIMENSION) throw new ValidationException(`Unsupported scalable dimension ${input.ScalableDimension} for ecs: use ${ECS_DIMENSION}`);
  if (!/^service\/[A-Za-z0-9_-]{1,255}\/[A-Za-z0-9_-]{1,255}$/.test(input.ResourceId)) throw new ValidationException(`Unsupported resource ID ${input.ResourceId}: use service/<cluster>/<service>`);
}

function paginate<T>(items: T[], max: number | undefined, token: string | undefined, limit = 50): { items: T[]; next?: string } {
  const n = max ?? limit;
  if (!Number.isInteger(n) || n < 1 || n > limit) throw new ValidationException(`MaxResults must be between 1 and ${limit}`);
  let start = 0;
  if (token) {
    start = Number(Buffer.from(token, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw new InvalidNextTokenException('Invalid NextToken');
  }
  return { items: items.slice(start, start + n), next: start + n < items.length ? Buffer.from(String(start + n)).toString('base64url') : undefined };
}

const targetShape = (t: TargetDoc): S.ScalableTarget => ({
  ServiceNamespace: t.namespace as S.ServiceNamespace, ResourceId: t.resourceId, ScalableDimension: t.dimension as S.ScalableDimension,
  MinCapacity: t.minCapacity, MaxCapacity: t.maxCapacity, RoleARN: t.roleArn, CreationTime: new Date(t.createdAt), SuspendedState: {
    DynamicScalingInSuspended: !!t.suspended.DynamicScalingInSuspended, DynamicScalingOutSuspended: !!t.suspended.DynamicScalingOutSuspended,
    ScheduledScalingSuspended: !!t.suspended.ScheduledScalingSuspended,
  }, ScalableTargetARN: t.arn,
});

const policyShape = (p: PolicyDoc): S.ScalingPolicy => ({
  PolicyARN: p.arn, PolicyName: p.name, ServiceNamespace: p.namespace as S.ServiceNamespace, ResourceId: p.resourceId, ScalableDimension: p.dimension as S.ScalableDimension,
  PolicyType: p.type, StepScalingPolicyConfiguration: p.step as S.StepScalingPolicyConfiguration | undefined,
  TargetTrackingScalingPolicyConfiguration: p.targetTracking as S.TargetTrackingScalingPolicyConfiguration | undefined, Alarms: p.alarms, CreationTime: new Date(p.createdAt),
});

export function handlers(scaler: ApplicationScaler, store: AppScalingStore, exists: (ctx: RequestContext, resourceId: string) => boolean) {
  const find = (ctx: RequestContext, i: { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }) =>
    scaler.targets.get(targetKey({ account: ctx.account, region: ctx.region, namespace: i.ServiceNamespace, resourceId: i.ResourceId, dimension: i.ScalableDimension }));
  const notFound = (i: { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }) =>
    new ObjectNotFoundException(`No scalable target registered for service namespace: ${i.ServiceNamespace}, resource ID: ${i.ResourceId}, scalable dimension: ${i.ScalableDimension}`);
  return {
    RegisterScalableTarget(input: S.RegisterScalableTargetRequest, ctx: RequestContext): S.RegisterScalableTargetResponse {
      checkTarget(input);
      if (!exists(ctx, input.ResourceId)) throw new ValidationException(`ECS service doesn't exist: ${input.ResourceId}`);
      const prev = find(ctx, input);
      if (!prev && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
        throw new ValidationException('MinCapacity and MaxCapacity are required to register a new scalable target');
      }
      const min = input.MinCapacity ?? prev!.minCapacity;
      const max = input.MaxCapacity ?? prev!.maxCapacity;
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < 0) throw new ValidationException('MinCapacity and MaxCapacity must be non-negative integers');
      if (min > max) throw new ValidationException(`Minimum capacity cannot be greater than maximum capacity`);
      const t: TargetDoc = {
        account: ctx.account, region: ctx.region, namespace: input.ServiceNamespace, resourceId: input.ResourceId, dimension: input.ScalableDimension,
        minCapacity: min, maxCapacity: max,
        roleArn: input.RoleARN ?? prev?.roleArn ?? `arn:aws:iam::${ctx.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
        suspended: { ...(prev?.suspended ?? {}), ...(input.SuspendedState ?? {}) },
        arn: prev?.arn ?? `arn:aws:application-autoscaling:${ctx.region}:${ctx.account}:scalable-target/${randomBytes(14).toString('hex')}`,
        createdAt: prev?.createdAt ?? ctx.clock.now(), tags: { ...(prev?.tags ?? {}), ...(input.Tags ?? {}) },
      };
      scaler.targets.set(targetKey(t), t);
      store.putTarget(t);
      // AWS moves the current capacity into the new range at once.
      scaler.clampToRange(t);
      return { ScalableTargetARN: t.arn };
    },
    DeregisterScalableTarget(input: S.DeregisterScalableTargetRequest, ctx: RequestContext): S.DeregisterScalableTargetResponse {
      checkTarget(input);
      const t = find(ctx, input);
      if (!t) throw notFound(input);
      for (const p of [...scaler.policies.values()].filter((x) => targetKey(x) === targetKey(t))) {
        scaler.deleteAlarms(p);
        scaler.forget(p.arn);
        scaler.policies.delete(p.arn);
        store.deletePolicy(p.arn);
      }
      scaler.targets.delete(targetKey(t));
      store.deleteTarget(t);
      return {};
    },
    DescribeScalableTargets(input: S.DescribeScalableTargetsRequest, ctx: RequestContext): S.DescribeScalableTargetsResponse {
      const list = [...scaler.targets.values()].filter((t) => t.account === ctx.account && t.region === ctx.region && t.namespace === input.ServiceNamespace
        && (!input.ResourceIds?.length || input.ResourceIds.includes(t.resourceId)) && (!input.ScalableDimension || t.dimension === input.ScalableDimension));
      const p = paginate(list, input.MaxResults, input.NextToken);
      return { ScalableTargets: p.items.map(targetShape), NextToken: p.next };
    },
    PutScalingPolicy(input: S.PutScalingPolicyRequest, ctx: RequestContext): S.PutScalingPolicyResponse {
      checkTarget(input);
      const t = find(ctx, input);
      if (!t) throw notFound(input);
      if (!/^[\p{L}\p{N}_.:/#+=@-]{1,256}$/u.test(input.PolicyName ?? '')) throw new ValidationException('PolicyName must be 1 to 256 characters');
      const type = input.PolicyType ?? 'StepScaling';
      if (type !== 'TargetTrackingScaling' && type !== 'StepScaling') throw new ValidationException(`Nimbus does not support ${type} policies for ecs`);
      const prev = [...scaler.policies.values()].find((p) => targetKey(p) === targetKey(t) && p.name === input.PolicyName);
      if (!prev && [...scaler.policies.values()].filter((p) => targetKey(p) === targetKey(t)).length >= MAX_POLICIES_PER_TARGET) {
        throw new LimitExceededException(`A scalable target can have at most ${MAX_POLICIES_PER_TARGET} scaling policies`);
      }
      const arn = prev?.arn ?? `arn:aws:autoscaling:${ctx.region}:${ctx.account}:scalingPolicy:${randomUUID()}:resource/${input.ServiceNamespace}/${input.ResourceId}:policyName/${input.PolicyName}`;
      const p: PolicyDoc = {
        arn, account: ctx.account, region: ctx.region, name: input.PolicyName, namespace: input.ServiceNamespace, resourceId: input.ResourceId, dimension: input.ScalableDimension,
        type, alarms: [], createdAt: prev?.createdAt ?? ctx.clock.now(), lastScaleInAt: prev?.lastScaleInAt, lastScaleOutAt: prev?.lastScaleOutAt,
      };
      if (type === 'TargetTrackingScaling') {
        const tt = input.TargetTrackingScalingPolicyConfiguration;
        if (!tt) throw new ValidationException('TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy');
        if (!(tt.TargetValue > 0)) throw new ValidationException('TargetValue must be greater than 0');
        if (!!tt.PredefinedMetricSpecification === !!tt.CustomizedMetricSpecification) throw new ValidationException('Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification is required');
        p.targetTracking = tt as PolicyDoc['targetTracking'];
        trackedMetric(input.ResourceId, p.targetTracking!); // validates
      } else {
        const st = input.StepScalingPolicyConfiguration;
        if (!st?.StepAdjustments?.length || !st.AdjustmentType) throw new ValidationException('StepScalingPolicyConfiguration with AdjustmentType and StepAdjustments is required for a StepScaling policy');
        p.step = st as PolicyDoc['step'];
      }
      if (prev) scaler.deleteAlarms(prev);
      if (p.type === 'TargetTrackingScaling') p.alarms = scaler.trackingAlarms(p);
      scaler.policies.set(p.arn, p);
      store.putPolicy(p);
      scaler.listen(p);
      return { PolicyARN: p.arn, Alarms: p.alarms };
    },
    DescribeScalingPolicies(input: S.DescribeScalingPoliciesRequest, ctx: RequestContext): S.DescribeScalingPoliciesResponse {
      const list = [...scaler.policies.values()].filter((p) => p.account === ctx.account && p.region === ctx.region && p.namespace === input.ServiceNamespace
        && (!input.ResourceId || p.resourceId === input.ResourceId) && (!input.ScalableDimension || p.dimension === input.ScalableDimension)
        && (!input.PolicyNames?.length || input.PolicyNames.includes(p.name)));
      const pg = paginate(list, input.MaxResults, input.NextToken, 50);
      return { ScalingPolicies: pg.items.map(policyShape), NextToken: pg.next };
    },
    DeleteScalingPolicy(input: S.DeleteScalingPolicyRequest, ctx: RequestContext): S.DeleteScalingPolicyResponse {
      checkTarget(input);
      const p = [...scaler.policies.values()].find((x) => x.account === ctx.account && x.region === ctx.region && x.namespace === input.ServiceNamespace
        && x.resourceId === input.ResourceId && x.dimension === input.ScalableDimension && x.name === input.PolicyName);
      if (!p) throw new ObjectNotFoundException(`No scaling policy found for service namespace: ${input.ServiceNamespace}, resource ID: ${input.ResourceId}, scalable dimension: ${input.ScalableDimension}, policy name: ${input.PolicyName}`);
      scaler.deleteAlarms(p);
      scaler.forget(p.arn);
      scaler.policies.delete(p.arn);
      store.deletePolicy(p.arn);
      return {};
    },
    DescribeScalingActivities(input: S.DescribeScalingActivitiesRequest, ctx: RequestContext): S.DescribeScalingActivitiesResponse {
      const list = store.activities(ctx, input.ServiceNamespace).filter((a) => (!input.ResourceId || a.resourceId === input.ResourceId) && (!input.ScalableDimension || a.dimension === input.ScalableDimension));
      const pg = paginate(list, input.MaxResults, input.NextToken, 50);
      return {
        ScalingActivities: pg.items.map((a) => ({
          ActivityId: a.id, ServiceNamespace: a.namespace as S.ServiceNamespace, ResourceId: a.resourceId, ScalableDimension: a.dimension as S.ScalableDimension,
          Description: a.description, Cause: a.cause, StartTime: new Date(a.startTime), EndTime: a.endTime !== undefined ? new Date(a.endTime) : undefined,
          StatusCode: a.statusCode, StatusMessage: a.statusMessage,
        })),
        NextToken: pg.next,
      };
    },
  };
}
