import type { RequestContext } from '../../gateway/context.ts';
import type { QueueEngine } from '../../engines/queue/index.ts';
import { InvalidParameterValue } from './errors.ts';
import { paginate, required, type SqsHandlers } from './handlers.ts';
import { queueRef, queueUrl } from './queue-url.ts';

// Queue lifecycle, attributes, tags, dead-letter sources and the permission statements of a queue's Policy.

type QueueOps =
  | 'CreateQueue' | 'GetQueueUrl' | 'ListQueues' | 'DeleteQueue' | 'PurgeQueue' | 'GetQueueAttributes' | 'SetQueueAttributes'
  | 'TagQueue' | 'UntagQueue' | 'ListQueueTags' | 'ListDeadLetterSourceQueues' | 'AddPermission' | 'RemovePermission';

interface PolicyDoc {
  Version: string;
  Id?: string;
  Statement: Array<{ Sid?: string; [k: string]: unknown }>;
}

function readPolicy(raw: string | undefined): PolicyDoc | undefined {
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as PolicyDoc;
    return Array.isArray(p.Statement) ? p : { ...p, Statement: p.Statement ? [p.Statement as never] : [] };
  } catch {
    return undefined;
  }
}

export function queueHandlers(queues: QueueEngine): SqsHandlers<QueueOps> {
  const attrs = (ctx: RequestContext, url: string) => queues.getQueueAttributes(queueRef(ctx, url), ['All']);
  return {
    CreateQueue: (input, ctx) => {
      const name = required(input.QueueName, 'QueueName');
      const q = queues.createQueue({ account: ctx.account, region: ctx.region, name }, input.Attributes ?? {}, input.tags ?? {});
      return { QueueUrl: queueUrl(ctx, q) };
    },

    GetQueueUrl: (input, ctx) => {
      const name = required(input.QueueName, 'QueueName');
      const q = queues.getQueue({ account: input.QueueOwnerAWSAccountId || ctx.account, region: ctx.region, name });
      return { QueueUrl: queueUrl(ctx, q) };
    },

    ListQueues: (input, ctx) => {
      const { queues: list, nextToken } = queues.listQueues(ctx.account, ctx.region, {
        prefix: input.QueueNamePrefix, maxResults: input.MaxResults, nextToken: input.NextToken,
      });
      return { QueueUrls: list.length ? list.map((q) => queueUrl(ctx, q)) : undefined, NextToken: nextToken };
    },

    DeleteQueue: (input, ctx) => {
      queues.deleteQueue(queueRef(ctx, input.QueueUrl));
    },

    PurgeQueue: (input, ctx) => {
      queues.purgeQueue(queueRef(ctx, input.QueueUrl));
    },

    GetQueueAttributes: (input, ctx) => {
      // As on AWS: no AttributeNames, no attributes.
      const a = queues.getQueueAttributes(queueRef(ctx, input.QueueUrl), input.AttributeNames ?? []);
      return { Attributes: Object.keys(a).length ? a : undefined };
    },

    SetQueueAttributes: (input, ctx) => {
      queues.setQueueAttributes(queueRef(ctx, input.QueueUrl), required(input.Attributes, 'Attribute'));
    },

    TagQueue: (input, ctx) => {
      queues.tagQueue(queueRef(ctx, input.QueueUrl), required(input.Tags, 'Tags'));
    },

    UntagQueue: (input, ctx) => {
      queues.untagQueue(queueRef(ctx, input.QueueUrl), required(input.TagKeys, 'TagKeys'));
    },

    ListQueueTags: (input, ctx) => {
      const tags = queues.listQueueTags(queueRef(ctx, input.QueueUrl));
      return { Tags: Object.keys(tags).length ? tags : undefined };
    },

    ListDeadLetterSourceQueues: (input, ctx) => {
      const sources = queues.listDeadLetterSourceQueues(queueRef(ctx, input.QueueUrl));
      const { page, nextToken } = paginate(sources, (q) => q.name, input.MaxResults, input.NextToken);
      return { queueUrls: page.map((q) => queueUrl(ctx, q)), NextToken: nextToken };
    },

    // Permissions are statements of the queue's Policy attribute, as on AWS (stored, not enforced).
    AddPermission: (input, ctx) => {
      const label = required(input.Label, 'Label');
      const accounts = required(input.AWSAccountIds, 'AWSAccountIds');
      const actions = required(input.Actions, 'Actions');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(label)) throw new InvalidParameterValue(`Value ${label} for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.`);
      if (!accounts.length || !actions.length) throw new InvalidParameterValue('AWSAccountIds and Actions must each name at least one value.');
      const ref = queueRef(ctx, input.QueueUrl);
      const a = attrs(ctx, input.QueueUrl);
      const arn = a.QueueArn!;
      const policy = readPolicy(a.Policy) ?? { Version: '2012-10-17', Id: `${arn}/SQSDefaultPolicy`, Statement: [] };
      if (policy.Statement.some((s) => s.Sid === label))
        throw new InvalidParameterValue(`Value ${label} for parameter Label is invalid. Reason: Already exists.`);
      policy.Statement.push({
        Sid: label, Effect: 'Allow',
        Principal: { AWS: accounts.length === 1 ? `arn:aws:iam::${accounts[0]}:root` : accounts.map((x) => `arn:aws:iam::${x}:root`) },
        Action: actions.length === 1 ? `SQS:${actions[0]}` : actions.map((x) => `SQS:${x}`),
        Resource: arn,
      });
      queues.setQueueAttributes(ref, { Policy: JSON.stringify(policy) });
    },

    RemovePermission: (input, ctx) => {
      const label = required(input.Label, 'Label');
      const ref = queueRef(ctx, input.QueueUrl);
      const policy = readPolicy(attrs(ctx, input.QueueUrl).Policy);
      if (!policy?.Statement.some((s) => s.Sid === label))
        throw new InvalidParameterValue(`Value ${label} for parameter Label is invalid. Reason: can't find label.`);
      policy.Statement = policy.Statement.filter((s) => s.Sid !== label);
      queues.setQueueAttributes(ref, { Policy: policy.Statement.length ? JSON.stringify(policy) : '' });
    },
  };
}
