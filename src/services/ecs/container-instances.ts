import { lastPart } from '../../engines/containers/arns.ts';
import type { ContainerEngine } from '../../engines/containers/engine.ts';
import { matches, validExpression } from '../../engines/containers/placement.ts';
import type { ClusterDoc, ContainerInstanceDoc } from '../../engines/containers/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { ClientException, InvalidParameterException } from './errors.ts';
import type * as S from './generated/shapes.ts';
import { page } from './paging.ts';
import { containerInstanceShape } from './shapes.ts';
import { tagsIn } from './tags.ts';

// Container instances: RegisterContainerInstance (the ECS agent's call, with the EC2 instance identity document from
// IMDS), DeregisterContainerInstance, DescribeContainerInstances, ListContainerInstances (status and cluster query
// language filters), UpdateContainerInstancesState (ACTIVE / DRAINING). Nimbus also registers instances whose user
// data sets ECS_CLUSTER by itself (src/engines/containers/container-instances.ts).

function find(e: ContainerEngine, cluster: ClusterDoc, ref: string): ContainerInstanceDoc | undefined {
  const id = lastPart(ref);
  return [...e.containerInstances.values()].find((c) => c.clusterArn === cluster.arn && (c.arn === ref || c.id === id));
}

export function containerInstanceHandlers(e: ContainerEngine) {
  return {
    RegisterContainerInstance(input: S.RegisterContainerInstanceRequest, ctx: RequestContext): S.RegisterContainerInstanceResponse {
      const cluster = e.cluster(ctx, input.cluster);
      let instanceId: string | undefined;
      if (input.instanceIdentityDocument) {
        try {
          instanceId = (JSON.parse(input.instanceIdentityDocument) as { instanceId?: string }).instanceId;
        } catch {
          throw new ClientException('The instance identity document is not valid JSON.');
        }
      } else if (input.containerInstanceArn) {
        instanceId = [...e.containerInstances.values()].find((c) => c.arn === input.containerInstanceArn)?.ec2InstanceId;
      }
      if (!instanceId) throw new ClientException('An instance identity document (with instanceId) is required.');
      const inst = e.ports.instances?.instance(instanceId);
      if (!inst || inst.state === 'terminated') throw new ClientException(`Instance ${instanceId} does not exist or is terminated.`);
      const ci = e.instances.register(ctx, cluster, inst, { attributes: (input.attributes ?? []).map((a) => ({ name: a.name, value: a.value })), tags: tagsIn(input.tags) });
      return { containerInstance: containerInstanceShape(e, ci, ['TAGS']) };
    },
    DeregisterContainerInstance(input: S.DeregisterContainerInstanceRequest, ctx: RequestContext): S.DeregisterContainerInstanceResponse {
      const cluster = e.cluster(ctx, input.cluster);
      const ci = find(e, cluster, input.containerInstance);
      if (!ci || ci.status === 'INACTIVE') throw new InvalidParameterException('The referenced container instance was not found.');
      if (e.instances.tasksOn(ci).length && !input.force) {
        throw new InvalidParameterException('Found running tasks on the instance. Stop them first or use force.');
      }
      e.instances.deregister(ci);
      return { containerInstance: containerInstanceShape(e, ci) };
    },
    DescribeContainerInstances(input: S.DescribeContainerInstancesRequest, ctx: RequestContext): S.DescribeContainerInstancesResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (!input.containerInstances?.length || input.containerInstances.length > 100) throw new InvalidParameterException('containerInstances must have between 1 and 100 items.');
      const out: S.ContainerInstance[] = [];
      const failures: S.Failure[] = [];
      for (const ref of input.containerInstances) {
        const ci = find(e, cluster, ref);
        if (!ci) failures.push({ arn: ref, reason: 'MISSING' });
        else out.push(containerInstanceShape(e, ci, input.include ?? []));
      }
      return { containerInstances: out, failures };
    },
    ListContainerInstances(input: S.ListContainerInstancesRequest, ctx: RequestContext): S.ListContainerInstancesResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (input.filter && !validExpression(input.filter)) throw new InvalidParameterException(`Invalid filter expression: ${input.filter}`);
      const candidates = new Map(e.instances.candidates(cluster, '').map((c) => [c.arn, c]));
      const arns = [...e.containerInstances.values()].filter((c) => {
        if (c.clusterArn !== cluster.arn) return false;
        if (input.status ? c.status !== input.status : c.status === 'INACTIVE') return false;
        if (input.filter) {
          const cand = candidates.get(c.arn) ?? { arn: c.arn, ec2InstanceId: c.ec2InstanceId, remainingCpu: 0, remainingMemory: 0, usedPorts: new Set<number>(), agentConnected: c.agentConnected, groupTasks: 0, attributes: Object.fromEntries(c.attributes.map((a) => [a.name, a.value ?? ''])) };
          if (!matches(cand, input.filter)) return false;
        }
        return true;
      }).map((c) => c.arn);
      const p = page(arns, input.maxResults, input.nextToken);
      return { containerInstanceArns: p.items, nextToken: p.nextToken };
    },
    UpdateContainerInstancesState(input: S.UpdateContainerInstancesStateRequest, ctx: RequestContext): S.UpdateContainerInstancesStateResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (input.status !== 'ACTIVE' && input.status !== 'DRAINING') throw new InvalidParameterException('Container instances can only be set to ACTIVE or DRAINING.');
      const out: S.ContainerInstance[] = [];
      const failures: S.Failure[] = [];
      for (const ref of input.containerInstances ?? []) {
        const ci = find(e, cluster, ref);
        if (!ci || ci.status === 'INACTIVE') {
          failures.push({ arn: ref, reason: 'MISSING' });
          continue;
        }
        if (ci.status !== input.status) {
          ci.status = input.status;
          ci.version++;
          e.saveContainerInstance(ci);
        }
        out.push(containerInstanceShape(e, ci));
      }
      e.kick();
      return { containerInstances: out, failures };
    },
  };
}
