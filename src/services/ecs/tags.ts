import type { ContainerEngine } from '../../engines/containers/engine.ts';
import type { Tag } from '../../engines/containers/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { ClientException, InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import type * as S from './generated/shapes.ts';

// Tags on clusters, task definitions, tasks, services and container instances: TagResource, UntagResource,
// ListTagsForResource (ECS's limits: 50 tags, keys ≤ 128, values ≤ 256, no `aws:` prefix).

export function tagsIn(tags: S.Tag[] | undefined): Tag[] {
  const out: Tag[] = [];
  for (const t of tags ?? []) {
    if (!t.key) throw new InvalidParameterException('Tag keys must not be empty.');
    if (t.key.length > 128 || (t.value ?? '').length > 256) throw new InvalidParameterException('Tag keys are at most 128 characters and values 256.');
    if (t.key.toLowerCase().startsWith('aws:')) throw new InvalidParameterException('Tag keys must not start with "aws:" (reserved).');
    const i = out.findIndex((x) => x.key === t.key);
    if (i >= 0) out.splice(i, 1);
    out.push({ key: t.key, value: t.value ?? '' });
  }
  if (out.length > 50) throw new InvalidParameterException('A resource can have at most 50 tags.');
  return out;
}

export const tagsOut = (tags: Tag[]): S.Tag[] => tags.map((t) => ({ key: t.key, value: t.value }));

type Tagged = { tags: Tag[]; account: string; region: string };

function resourceOf(e: ContainerEngine, arn: string): { doc: Tagged; save: () => void } {
  const kind = /^arn:aws[\w-]*:ecs:[^:]*:\d{12}:([a-z-]+)\//.exec(arn)?.[1];
  switch (kind) {
    case 'cluster': {
      const c = e.clusters.get(arn);
      if (c && c.status === 'ACTIVE') return { doc: c, save: () => e.saveCluster(c) };
      break;
    }
    case 'task-definition': {
      const t = e.taskDefinitions.get(arn);
      if (t) return { doc: t, save: () => e.saveTaskDefinition(t) };
      break;
    }
    case 'task': {
      const t = e.tasks.get(arn);
      if (t) return { doc: t, save: () => e.saveTask(t) };
      break;
    }
    case 'service': {
      const s = e.services.get(arn);
      if (s && s.status !== 'INACTIVE') return { doc: s, save: () => e.saveService(s) };
      break;
    }
    case 'container-instance': {
      const c = e.containerInstances.get(arn);
      if (c) return { doc: c, save: () => e.saveContainerInstance(c) };
      break;
    }
    default:
      throw new InvalidParameterException(`Invalid resource ARN: ${arn}`);
  }
  throw new ResourceNotFoundException('The specified resource could not be found.');
}

export function tagHandlers(e: ContainerEngine) {
  const mine = (ctx: RequestContext, arn: string) => {
    const r = resourceOf(e, arn);
    if (r.doc.account !== ctx.account || r.doc.region !== ctx.region) throw new ResourceNotFoundException('The specified resource could not be found.');
    return r;
  };
  return {
    TagResource(input: S.TagResourceRequest, ctx: RequestContext): S.TagResourceResponse {
      const r = mine(ctx, input.resourceArn);
      r.doc.tags = tagsIn([...tagsOut(r.doc.tags), ...(input.tags ?? [])]);
      r.save();
      return {};
    },
    UntagResource(input: S.UntagResourceRequest, ctx: RequestContext): S.UntagResourceResponse {
      if (!input.tagKeys) throw new ClientException('tagKeys is required.');
      const r = mine(ctx, input.resourceArn);
      r.doc.tags = r.doc.tags.filter((t) => !input.tagKeys.includes(t.key));
      r.save();
      return {};
    },
    ListTagsForResource(input: S.ListTagsForResourceRequest, ctx: RequestContext): S.ListTagsForResourceResponse {
      return { tags: tagsOut(mine(ctx, input.resourceArn).doc.tags) };
    },
  };
}
