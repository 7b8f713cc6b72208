import { InvalidParameterException, parseLogGroupArn, type LogStore } from '../../engines/logs/index.ts';
import { groupRef, required, type LogsHandlers } from './handlers.ts';

// Tags on log groups: the ARN-based operations and the legacy name-based ones (TagLogGroup & co.).

type TagOps = 'TagResource' | 'UntagResource' | 'ListTagsForResource' | 'TagLogGroup' | 'UntagLogGroup' | 'ListTagsLogGroup';

function arnRef(arn: string | undefined) {
  const ref = parseLogGroupArn(required(arn, 'resourceArn'));
  if (!ref) throw new InvalidParameterException(`Invalid resource ARN: ${arn} (Nimbus tags log groups only)`);
  return ref;
}

export function tagHandlers(logs: LogStore): LogsHandlers<TagOps> {
  return {
    TagResource: (input) => {
      logs.tagLogGroup(arnRef(input.resourceArn), required(input.tags, 'tags'));
    },
    UntagResource: (input) => {
      logs.untagLogGroup(arnRef(input.resourceArn), required(input.tagKeys, 'tagKeys'));
    },
    ListTagsForResource: (input) => {
      return { tags: logs.listTags(arnRef(input.resourceArn)) };
    },
    TagLogGroup: (input, ctx) => {
      logs.tagLogGroup(groupRef(ctx, input.logGroupName), required(input.tags, 'tags'), 'InvalidParameterException');
    },
    UntagLogGroup: (input, ctx) => {
      logs.untagLogGroup(groupRef(ctx, input.logGroupName), required(input.tags, 'tags'));
    },
    ListTagsLogGroup: (input, ctx) => {
      return { tags: logs.listTags(groupRef(ctx, input.logGroupName)) };
    },
  };
}
