import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { paginate } from './domain/paginate.ts';
import {
  InvalidAMIIDNotFound, InvalidGroupNotFound, InvalidHostIDNotFound, InvalidID, InvalidInstanceIDNotFound, InvalidParameterValue, InvalidSpotInstanceRequestIDNotFound,
  InvalidVolumeNotFound,
} from './errors.ts';

export interface TagSpecification { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }
type Tag = { Key?: string; Value?: string };

const TYPES: [string, string][] = [
  ['i-', 'instance'], ['sg-', 'security-group'], ['vol-', 'volume'], ['ami-', 'image'], ['key-', 'key-pair'],
  ['vpc-', 'vpc'], ['subnet-', 'subnet'], ['snap-', 'snapshot'], ['sir-', 'spot-instances-request'], ['h-', 'dedicated-host'],
];

export function resourceType(id: string): string | undefined {
  return TYPES.find(([p]) => id.startsWith(p))?.[1];
}

function checkTags(tags: Tag[]): void {
  if (tags.length > 50) throw new InvalidParameterValue('Tag limit exceeded: a resource can have at most 50 tags');
  for (const t of tags) {
    if (!t.Key) throw new InvalidParameterValue('Tag key must not be empty');
    if (t.Key.length > 128) throw new InvalidParameterValue(`Tag key exceeds the maximum length of 128 characters: ${t.Key.slice(0, 20)}...`);
    if ((t.Value ?? '').length > 256) throw new InvalidParameterValue('Tag value exceeds the maximum length of 256 characters');
    if (t.Key.toLowerCase().startsWith('aws:')) throw new InvalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
  }
}

/** Applies TagSpecifications of a create call to the new resource (inside the caller's transaction). */
export function applyTagSpecifications(d: Ec2Deps, s: Scope, id: string, type: string, specs: TagSpecification[] | undefined): void {
  for (const spec of specs ?? []) {
    if (spec.ResourceType && spec.ResourceType !== type) continue;
    checkTags(spec.Tags ?? []);
    for (const t of spec.Tags ?? []) d.store.setTag({ ...s, resource_id: id, resource_type: type, key: t.Key!, value: t.Value ?? '' });
  }
}

function assertExists(d: Ec2Deps, s: Scope, id: string): string {
  const type = resourceType(id);
  const owned = (row: { account: string | null; region: string | null } | undefined) => !!row && row.account === s.account && row.region === s.region;
  switch (type) {
    case 'instance': if (!owned(d.store.instance(id))) throw new InvalidInstanceIDNotFound(`The instance ID '${id}' does not exist`); break;
    case 'security-group': if (!owned(d.store.group(id))) throw new InvalidGroupNotFound(`The security group '${id}' does not exist`); break;
    case 'volume': if (!owned(d.store.volume(id))) throw new InvalidVolumeNotFound(`The volume '${id}' does not exist.`); break;
    case 'image': if (!d.store.image(id)) throw new InvalidAMIIDNotFound(`The image id '[${id}]' does not exist`); break;
    case 'spot-instances-request': if (!owned(d.store.spotRequest(id))) throw new InvalidSpotInstanceRequestIDNotFound(`The spot instance request ID '${id}' does not exist`); break;
    case 'dedicated-host': if (!owned(d.store.host(id))) throw new InvalidHostIDNotFound(`The host ID '${id}' does not exist`); break;
    case 'key-pair': case 'vpc': case 'subnet': break;
    default: throw new InvalidID(`The ID '${id}' is not valid`);
  }
  return type!;
}

export function tagHandlers(d: Ec2Deps) {
  return {
    CreateTags(input: { Resources: string[]; Tags: Tag[] }, ctx: Scope) {
      checkTags(input.Tags ?? []);
      d.store.tx(() => {
        for (const id of input.Resources) {
          const type = assertExists(d, ctx, id);
          for (const t of input.Tags ?? []) d.store.setTag({ ...ctx, resource_id: id, resource_type: type, key: t.Key!, value: t.Value ?? '' });
        }
      });
      return {};
    },
    DeleteTags(input: { Resources: string[]; Tags?: Tag[] }, ctx: Scope) {
      d.store.tx(() => {
        for (const id of input.Resources) {
          assertExists(d, ctx, id);
          // AWS: no Tags deletes every tag; a tag without a Value deletes the key whatever its value.
          const tags: Tag[] = input.Tags?.length ? input.Tags : d.store.tagsOf(id).map((t) => ({ Key: t.key }));
          for (const t of tags) d.store.deleteTag(id, t.Key!, t.Value);
        }
      });
      return {};
    },
    DescribeTags(input: { Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      const rows = applyFilters(d.store.tags(ctx), input.Filters, {
        'resource-id': (t) => t.resource_id, 'resource-type': (t) => t.resource_type, key: (t) => t.key, value: (t) => t.value,
      });
      const { page, next } = paginate(rows, input.MaxResults, input.NextToken);
      return { Tags: page.map((t) => ({ ResourceId: t.resource_id, ResourceType: t.resource_type, Key: t.key, Value: t.value })), NextToken: next };
    },
  };
}
