import { lastPart, taskArn } from '../../engines/containers/arns.ts';
import type { ContainerEngine } from '../../engines/containers/engine.ts';
import { validExpression } from '../../engines/containers/placement.ts';
import { launchTasks, type LaunchRequest } from '../../engines/containers/run-task.ts';
import { isDone } from '../../engines/containers/task-state.ts';
import type { ClusterDoc, ContainerInstanceDoc, TaskDefinitionDoc } from '../../engines/containers/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { ClientException, InvalidParameterException } from './errors.ts';
import type * as S from './generated/shapes.ts';
import { page } from './paging.ts';
import { taskShape } from './shapes.ts';
import { tagsIn } from './tags.ts';
import { cpuUnits, memoryMiB } from './task-definitions.ts';

// Tasks: RunTask, StartTask, StopTask, DescribeTasks, ListTasks.

/** launchType, or a FARGATE / FARGATE_SPOT capacity provider strategy (the only providers Nimbus knows). */
export function launchTypeOf(input: { launchType?: string; capacityProviderStrategy?: S.CapacityProviderStrategyItem[] }): 'FARGATE' | 'EC2' {
  if (input.launchType && input.capacityProviderStrategy?.length) throw new InvalidParameterException('Specifying both a launchType and capacityProviderStrategy is not supported.');
  if (input.capacityProviderStrategy?.length) {
    const names = input.capacityProviderStrategy.map((c) => c.capacityProvider);
    if (names.every((n) => n === 'FARGATE' || n === 'FARGATE_SPOT')) return 'FARGATE';
    throw new InvalidParameterException(`Capacity provider ${names.find((n) => n !== 'FARGATE' && n !== 'FARGATE_SPOT')} not found: Nimbus knows FARGATE and FARGATE_SPOT only.`);
  }
  const lt = input.launchType ?? 'EC2';
  if (lt !== 'FARGATE' && lt !== 'EC2') throw new InvalidParameterException(`Nimbus does not support launch type ${lt}.`);
  return lt;
}

export function placementIn(input: { placementConstraints?: S.PlacementConstraint[]; placementStrategy?: S.PlacementStrategy[] }, launchType: string) {
  const constraints = (input.placementConstraints ?? []).map((c) => {
    if (c.type !== 'distinctInstance' && c.type !== 'memberOf') throw new InvalidParameterException(`Invalid placement constraint type ${c.type}.`);
    if (c.type === 'memberOf' && (!c.expression || !validExpression(c.expression))) throw new InvalidParameterException(`Invalid placement constraint expression: ${c.expression}`);
    return { type: c.type, expression: c.expression };
  });
  const strategy = (input.placementStrategy ?? []).map((s) => {
    if (!['binpack', 'spread', 'random'].includes(s.type ?? '')) throw new InvalidParameterException(`Invalid placement strategy type ${s.type}.`);
    if (s.type === 'binpack' && !['cpu', 'memory'].includes((s.field ?? '').toLowerCase())) throw new InvalidParameterException('binpack placement strategy requires field cpu or memory.');
    return { type: s.type!, field: s.field };
  });
  if (launchType === 'FARGATE' && (constraints.length || strategy.length)) throw new InvalidParameterException('Task placement constraints and strategies are not supported for the FARGATE launch type.');
  if (constraints.length > 10 || strategy.length > 5) throw new InvalidParameterException('At most 10 placement constraints and 5 placement strategies.');
  return { constraints, strategy };
}

export function overridesIn(td: TaskDefinitionDoc, o: S.TaskOverride | undefined): LaunchRequest['overrides'] {
  if (!o) return undefined;
  for (const c of o.containerOverrides ?? []) {
    if (!td.containerDefinitions.some((d) => d.name === c.name)) throw new InvalidParameterException(`Override for container named ${c.name} is not a container in the TaskDefinition.`);
  }
  return { ...o, cpu: cpuUnits(o.cpu), memory: memoryMiB(o.memory) } as LaunchRequest['overrides'];
}

function managedTags(cluster: ClusterDoc, td: TaskDefinitionDoc, input: { enableECSManagedTags?: boolean; propagateTags?: string; tags?: S.Tag[] }) {
  const tags = tagsIn(input.tags);
  if (input.propagateTags === 'TASK_DEFINITION') for (const t of td.tags) if (!tags.some((x) => x.key === t.key)) tags.push(t);
  if (input.enableECSManagedTags) tags.push({ key: 'aws:ecs:clusterName', value: cluster.name });
  return tags;
}

export function taskHandlers(e: ContainerEngine) {
  return {
    RunTask(input: S.RunTaskRequest, ctx: RequestContext): S.RunTaskResponse {
      const cluster = e.cluster(ctx, input.cluster);
      const td = e.taskDefinition(ctx, input.taskDefinition);
      const launchType = launchTypeOf(input);
      const { constraints, strategy } = placementIn(input, launchType);
      if (input.group !== undefined && !/^[A-Za-z0-9_:.-]{1,255}$/.test(input.group)) throw new InvalidParameterException('Invalid group name.');
      if (input.startedBy !== undefined && input.startedBy.length > 128) throw new InvalidParameterException('startedBy can be at most 128 characters.');
      const r = launchTasks(e, ctx, {
        cluster, taskDefinition: td, count: input.count ?? 1, launchType, platformVersion: input.platformVersion, group: input.group, startedBy: input.startedBy,
        networkConfiguration: input.networkConfiguration, overrides: overridesIn(td, input.overrides), placementConstraints: constraints, placementStrategy: strategy,
        tags: managedTags(cluster, td, input), enableExecuteCommand: input.enableExecuteCommand,
      });
      return { tasks: r.tasks.map((t) => taskShape(t, ['TAGS'])), failures: r.failures };
    },
    StartTask(input: S.StartTaskRequest, ctx: RequestContext): S.StartTaskResponse {
      const cluster = e.cluster(ctx, input.cluster);
      const td = e.taskDefinition(ctx, input.taskDefinition);
      if (!input.containerInstances?.length || input.containerInstances.length > 10) throw new InvalidParameterException('containerInstances must have between 1 and 10 items.');
      const failures: S.Failure[] = [];
      const instances: ContainerInstanceDoc[] = [];
      for (const ref of input.containerInstances) {
        const id = lastPart(ref);
        const ci = [...e.containerInstances.values()].find((c) => c.clusterArn === cluster.arn && (c.arn === ref || c.id === id) && c.status !== 'INACTIVE');
        if (!ci) failures.push({ arn: ref, reason: 'MISSING' });
        else instances.push(ci);
      }
      if (!instances.length) return { tasks: [], failures };
      const r = launchTasks(e, ctx, {
        cluster, taskDefinition: td, count: instances.length, launchType: 'EC2', containerInstances: instances, group: input.group, startedBy: input.startedBy,
        networkConfiguration: input.networkConfiguration, overrides: overridesIn(td, input.overrides), tags: managedTags(cluster, td, input),
        enableExecuteCommand: input.enableExecuteCommand,
      });
      return { tasks: r.tasks.map((t) => taskShape(t, ['TAGS'])), failures: [...failures, ...r.failures] };
    },
    StopTask(input: S.StopTaskRequest, ctx: RequestContext): S.StopTaskResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (!input.task) throw new ClientException('task is required.');
      const t = e.task(ctx, cluster, input.task);
      if (input.reason && input.reason.length > 255) throw new InvalidParameterException('reason can be at most 255 characters.');
      e.runner.stop(t, 'UserInitiated', input.reason || 'Task stopped by user');
      return { task: taskShape(t) };
    },
    DescribeTasks(input: S.DescribeTasksRequest, ctx: RequestContext): S.DescribeTasksResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (!input.tasks?.length) throw new InvalidParameterException('Tasks cannot be empty.');
      if (input.tasks.length > 100) throw new InvalidParameterException('tasks can have at most 100 items.');
      const tasks: S.Task[] = [];
      const failures: S.Failure[] = [];
      for (const ref of input.tasks) {
        const id = lastPart(ref);
        const t = [...e.tasks.values()].find((x) => x.clusterArn === cluster.arn && (x.arn === ref || x.id === id));
        if (!t || t.account !== ctx.account) failures.push({ arn: ref.startsWith('arn:') ? ref : taskArn(ctx, cluster.name, ref), reason: 'MISSING' });
        else tasks.push(taskShape(t, input.include ?? []));
      }
      return { tasks, failures };
    },
    ListTasks(input: S.ListTasksRequest, ctx: RequestContext): S.ListTasksResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (input.serviceName && (input.family || input.startedBy)) throw new InvalidParameterException('serviceName may not be used with family or startedBy.');
      const desired = input.desiredStatus ?? 'RUNNING';
      const ciId = input.containerInstance ? lastPart(input.containerInstance) : undefined;
      const list = e.tasksOf(cluster.arn).filter((t) => {
        if (t.account !== ctx.account) return false;
        if (t.desiredStatus !== desired && !(desired === 'STOPPED' && isDone(t.lastStatus))) return false;
        if (desired === 'RUNNING' && isDone(t.lastStatus)) return false;
        if (input.family && e.taskDefinitions.get(t.taskDefinitionArn)?.family !== input.family && !t.taskDefinitionArn.includes(`/${input.family}:`)) return false;
        if (input.startedBy && t.startedBy !== input.startedBy) return false;
        if (input.serviceName && t.serviceName !== lastPart(input.serviceName)) return false;
        if (input.launchType && t.launchType !== input.launchType) return false;
        if (ciId && lastPart(t.containerInstanceArn ?? '') !== ciId) return false;
        return true;
      }).sort((a, b) => a.createdAt - b.createdAt).map((t) => t.arn);
      const p = page(list, input.maxResults, input.nextToken);
      return { taskArns: p.items, nextToken: p.nextToken };
    },
  };
}
