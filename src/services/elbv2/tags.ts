import type { RequestContext } from '../../gateway/context.ts';
import { mustLb, mustListener, mustRule, mustTg, resourceKind, type Elbv2Deps } from './common.ts';
import { DuplicateTagKeys, LIMITS, LoadBalancerNotFound, TooManyTags, ValidationError } from './errors.ts';
import type * as S from './generated/shapes.ts';

// Tags on load balancers, target groups, listeners and rules. DescribeTags of a listener also shows where Nimbus
// really listens for it (`nimbus:endpoint`, not stored, not counted as a tag).

function checkTags(tags: S.Tag[]): void {
  const keys = tags.map((t) => t.Key);
  if (new Set(keys).size !== keys.length) throw new DuplicateTagKeys('Tag keys must be unique');
  for (const t of tags) {
    if (!t.Key || t.Key.length > 128) throw new ValidationError('Tag keys must be between 1 and 128 characters');
    if (t.Key.toLowerCase().startsWith('aws:')) throw new ValidationError("Tag keys cannot start with 'aws:'");
    if ((t.Value ?? '').length > 256) throw new ValidationError('Tag values can be at most 256 characters');
  }
}

/** Adds tags in the caller's transaction. */
export function putTags(d: Elbv2Deps, arn: string, tags: S.Tag[]): void {
  checkTags(tags);
  const existing = new Set(d.store.tags(arn).map((t) => t.key));
  const total = new Set([...existing, ...tags.map((t) => t.Key)]).size;
  if (total > LIMITS.tagsPerResource) throw new TooManyTags(`The quota for the number of tags per resource (${LIMITS.tagsPerResource}) has been reached`);
  for (const t of tags) d.store.putTag(arn, t.Key, t.Value ?? '');
}

function mustResource(d: Elbv2Deps, ctx: RequestContext, arn: string): void {
  switch (resourceKind(arn)) {
    case 'loadbalancer': mustLb(d, ctx, arn); return;
    case 'targetgroup': mustTg(d, ctx, arn); return;
    case 'listener': mustListener(d, ctx, arn); return;
    case 'listener-rule': mustRule(d, ctx, arn); return;
    default: throw new LoadBalancerNotFound(`Resource '${arn}' not found`);
  }
}

export function tagHandlers(d: Elbv2Deps) {
  return {
    AddTags(input: S.AddTagsInput, ctx: RequestContext): S.AddTagsOutput {
      if (input.ResourceArns.length > 20) throw new ValidationError('At most 20 resources can be tagged at once');
      for (const arn of input.ResourceArns) mustResource(d, ctx, arn);
      d.store.tx(() => {
        for (const arn of input.ResourceArns) putTags(d, arn, input.Tags);
      });
      return {};
    },
    RemoveTags(input: S.RemoveTagsInput, ctx: RequestContext): S.RemoveTagsOutput {
      for (const arn of input.ResourceArns) mustResource(d, ctx, arn);
      d.store.tx(() => {
        for (const arn of input.ResourceArns) for (const k of input.TagKeys) d.store.deleteTag(arn, k);
      });
      return {};
    },
    DescribeTags(input: S.DescribeTagsInput, ctx: RequestContext): S.DescribeTagsOutput {
      if (input.ResourceArns.length > 20) throw new ValidationError('At most 20 resources can be described at once');
      return {
        TagDescriptions: input.ResourceArns.map((arn) => {
          mustResource(d, ctx, arn);
          const tags: S.Tag[] = d.store.tags(arn).map((t) => ({ Key: t.key, Value: t.value }));
          const bound = resourceKind(arn) === 'listener' ? d.engine.listenerAddress(arn) : undefined;
          if (bound) tags.push({ Key: 'nimbus:endpoint', Value: `${d.store.listener(arn)!.protocol === 'TCP' ? 'tcp' : 'http'}://${bound.host}:${bound.port}` });
          return { ResourceArn: arn, Tags: tags };
        }),
      };
    },
  };
}
