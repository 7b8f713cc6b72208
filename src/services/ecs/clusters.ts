import { clusterArn, clusterNameOf } from '../../engines/containers/arns.ts';
import type { ContainerEngine } from '../../engines/containers/engine.ts';
import { isDone } from '../../engines/containers/task-state.ts';
import type { ClusterDoc } from '../../engines/containers/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import {
  ClusterContainsContainerInstancesException, ClusterContainsServicesException, ClusterContainsTasksException, InvalidParameterException,
} from './errors.ts';
import type * as S from './generated/shapes.ts';
import { page } from './paging.ts';
import { clusterShape } from './shapes.ts';
import { tagsIn } from './tags.ts';

// Clusters: CreateCluster (idempotent by name, like ECS), DescribeClusters, ListClusters, UpdateCluster,
// DeleteCluster (refused while services, tasks or container instances are active). A deleted cluster stays
// describable as INACTIVE.

function settingsIn(settings: S.ClusterSetting[] | undefined): Array<{ name: string; value: string }> {
  return (settings ?? []).map((s) => {
    if (s.name !== 'containerInsights') throw new InvalidParameterException(`Unsupported cluster setting: ${s.name}`);
    if (!['enabled', 'disabled', 'enhanced'].includes(s.value ?? '')) throw new InvalidParameterException('containerInsights must be enabled, enhanced or disabled.');
    return { name: s.name, value: s.value! };
  });
}

export function clusterHandlers(e: ContainerEngine) {
  return {
    CreateCluster(input: S.CreateClusterRequest, ctx: RequestContext): S.CreateClusterResponse {
      const name = input.clusterName ?? 'default';
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw new InvalidParameterException('Cluster name can have up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
      if (input.capacityProviders?.length) throw new InvalidParameterException('Nimbus has no capacity providers: use launchType FARGATE or EC2.');
      const arn = clusterArn(ctx, name);
      const existing = e.clusters.get(arn);
      if (existing?.status === 'ACTIVE') return { cluster: clusterShape(e, existing, ['TAGS', 'SETTINGS']) };
      const c: ClusterDoc = {
        arn, account: ctx.account, region: ctx.region, name, status: 'ACTIVE', settings: settingsIn(input.settings ?? [{ name: 'containerInsights', value: 'disabled' }]),
        tags: tagsIn(input.tags), createdAt: ctx.clock.now(),
      };
      e.saveCluster(c);
      e.kick(); // instances whose user data names this cluster register now
      return { cluster: clusterShape(e, c, ['TAGS', 'SETTINGS']) };
    },
    DescribeClusters(input: S.DescribeClustersRequest, ctx: RequestContext): S.DescribeClustersResponse {
      const refs = input.clusters?.length ? input.clusters : ['default'];
      if (refs.length > 100) throw new InvalidParameterException('clusters can have at most 100 items.');
      const clusters: S.Cluster[] = [];
      const failures: S.Failure[] = [];
      for (const ref of refs) {
        const arn = ref.startsWith('arn:') ? ref : clusterArn(ctx, clusterNameOf(ref));
        const c = e.clusters.get(arn);
        if (!c || c.account !== ctx.account) failures.push({ arn, reason: 'MISSING' });
        else clusters.push(clusterShape(e, c, input.include ?? []));
      }
      return { clusters, failures };
    },
    ListClusters(input: S.ListClustersRequest, ctx: RequestContext): S.ListClustersResponse {
      const arns = [...e.clusters.values()].filter((c) => c.account === ctx.account && c.region === ctx.region && c.status === 'ACTIVE').map((c) => c.arn).sort();
      const p = page(arns, input.maxResults, input.nextToken);
      return { clusterArns: p.items, nextToken: p.nextToken };
    },
    UpdateCluster(input: S.UpdateClusterRequest, ctx: RequestContext): S.UpdateClusterResponse {
      const c = e.cluster(ctx, input.cluster);
      if (input.settings) {
        for (const s of settingsIn(input.settings)) {
          c.settings = [...c.settings.filter((x) => x.name !== s.name), s];
        }
      }
      e.saveCluster(c);
      return { cluster: clusterShape(e, c, ['SETTINGS']) };
    },
    DeleteCluster(input: S.DeleteClusterRequest, ctx: RequestContext): S.DeleteClusterResponse {
      const c = e.cluster(ctx, input.cluster);
      if (e.servicesOf(c.arn).some((s) => s.status === 'ACTIVE' || s.status === 'DRAINING')) throw new ClusterContainsServicesException('The Cluster cannot be deleted while Services are active.');
      if (e.tasksOf(c.arn).some((t) => !isDone(t.lastStatus))) throw new ClusterContainsTasksException('The Cluster cannot be deleted while Tasks are active.');
      if ([...e.containerInstances.values()].some((i) => i.clusterArn === c.arn && i.status !== 'INACTIVE')) {
        throw new ClusterContainsContainerInstancesException('The Cluster cannot be deleted while Container Instances are active or draining.');
      }
      c.status = 'INACTIVE';
      e.saveCluster(c);
      return { cluster: clusterShape(e, c) };
    },
  };
}
