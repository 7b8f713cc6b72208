import type { EventsEngine } from '../../engines/events/index.ts';
import type { EventsHandlers } from './rules.ts';

// Tags on rules (TagResource, UntagResource, ListTagsForResource by rule ARN).

export function tagHandlers(engine: EventsEngine): EventsHandlers<'TagResource' | 'UntagResource' | 'ListTagsForResource'> {
  return {
    TagResource(input) {
      engine.tag(input.ResourceARN, Object.fromEntries((input.Tags ?? []).map((t) => [t.Key, t.Value])));
      return {};
    },
    UntagResource(input) {
      engine.untag(input.ResourceARN, input.TagKeys ?? []);
      return {};
    },
    ListTagsForResource(input) {
      return { Tags: Object.entries(engine.tagsOf(input.ResourceARN)).map(([Key, Value]) => ({ Key, Value })) };
    },
  };
}
