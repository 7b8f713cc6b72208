import type { RequestContext } from '../../gateway/context.ts';
import { InvalidParameter, type PubSubEngine, type Scope, type Subscription } from '../../engines/pubsub/index.ts';
import type { Handlers } from './generated/operations.ts';
import type * as S from './generated/shapes.ts';

// SNS operations → pub/sub engine calls. Handlers only map wire shapes; the engine validates and raises typed errors.

export function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region, baseUrl: `http://${ctx.host}`, signed: ctx.accessKeyId !== '' };
}

function tagMap(tags: S.Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) out[t.Key] = t.Value ?? '';
  return out;
}

function listed(s: Subscription): S.Subscription {
  return { SubscriptionArn: s.pending ? 'PendingConfirmation' : s.arn, Owner: s.owner, Protocol: s.protocol, Endpoint: s.endpoint, TopicArn: s.topicArn };
}

export function snsHandlers(engine: PubSubEngine): Handlers<RequestContext> {
  return {
    CreateTopic: (input, ctx) => {
      const attributes = { ...(input.Attributes ?? {}) };
      if (input.DataProtectionPolicy !== undefined) attributes.DataProtectionPolicy = input.DataProtectionPolicy;
      return { TopicArn: engine.createTopic(scopeOf(ctx), input.Name, attributes, tagMap(input.Tags)).arn };
    },
    DeleteTopic: (input, ctx) => engine.deleteTopic(scopeOf(ctx), input.TopicArn),
    ListTopics: (input, ctx) => {
      const r = engine.listTopics(scopeOf(ctx), input.NextToken);
      return { Topics: r.arns.map((TopicArn) => ({ TopicArn })), NextToken: r.nextToken };
    },
    GetTopicAttributes: (input, ctx) => ({ Attributes: engine.getTopicAttributes(scopeOf(ctx), input.TopicArn) }),
    SetTopicAttributes: (input, ctx) => engine.setTopicAttribute(scopeOf(ctx), input.TopicArn, input.AttributeName, input.AttributeValue),

    Subscribe: (input, ctx) => {
      const s = engine.subscribe(scopeOf(ctx), input.TopicArn, input.Protocol, input.Endpoint, input.Attributes ?? {});
      return { SubscriptionArn: s.pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : s.arn };
    },
    ConfirmSubscription: (input, ctx) => ({ SubscriptionArn: engine.confirmSubscription(scopeOf(ctx), input.TopicArn, input.Token, input.AuthenticateOnUnsubscribe).arn }),
    Unsubscribe: (input, ctx) => engine.unsubscribe(scopeOf(ctx), input.SubscriptionArn),
    ListSubscriptions: (input, ctx) => {
      const r = engine.listSubscriptions(scopeOf(ctx), input.NextToken);
      return { Subscriptions: r.subs.map(listed), NextToken: r.nextToken };
    },
    ListSubscriptionsByTopic: (input, ctx) => {
      const r = engine.listSubscriptionsByTopic(scopeOf(ctx), input.TopicArn, input.NextToken);
      return { Subscriptions: r.subs.map(listed), NextToken: r.nextToken };
    },
    GetSubscriptionAttributes: (input, ctx) => ({ Attributes: engine.getSubscriptionAttributes(scopeOf(ctx), input.SubscriptionArn) }),
    SetSubscriptionAttributes: (input, ctx) => engine.setSubscriptionAttribute(scopeOf(ctx), input.SubscriptionArn, input.AttributeName, input.AttributeValue),

    Publish: async (input, ctx) => {
      if (input.PhoneNumber !== undefined) throw new InvalidParameter('Invalid parameter: PhoneNumber Reason: SMS is not supported by Nimbus');
      if (input.TopicArn === undefined && input.TargetArn === undefined) throw new InvalidParameter('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
      if (input.TopicArn !== undefined && input.TargetArn !== undefined) throw new InvalidParameter('Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn or TargetArn may be specified');
      const target = input.TopicArn ?? input.TargetArn!;
      if (/^arn:aws[a-z-]*:sns:[^:]*:\d{12}:endpoint\//.test(target)) throw new InvalidParameter('Invalid parameter: TargetArn Reason: mobile push (application endpoints) is not supported by Nimbus');
      const r = await engine.publish(scopeOf(ctx), {
        topicArn: target, message: input.Message, subject: input.Subject, messageStructure: input.MessageStructure,
        messageAttributes: input.MessageAttributes, messageGroupId: input.MessageGroupId, messageDeduplicationId: input.MessageDeduplicationId,
      });
      return { MessageId: r.messageId, SequenceNumber: r.sequenceNumber };
    },
    PublishBatch: async (input, ctx) => {
      const r = await engine.publishBatch(scopeOf(ctx), input.TopicArn, input.PublishBatchRequestEntries.map((e) => ({
        id: e.Id, message: e.Message, subject: e.Subject, messageStructure: e.MessageStructure, messageAttributes: e.MessageAttributes,
        messageGroupId: e.MessageGroupId, messageDeduplicationId: e.MessageDeduplicationId,
      })));
      return {
        Successful: r.successful.map((s) => ({ Id: s.id, MessageId: s.messageId, SequenceNumber: s.sequenceNumber })),
        Failed: r.failed.map((f) => ({ Id: f.id, Code: f.code, Message: f.message, SenderFault: f.senderFault })),
      };
    },

    TagResource: (input, ctx) => {
      engine.tagResource(scopeOf(ctx), input.ResourceArn, tagMap(input.Tags));
      return {};
    },
    UntagResource: (input, ctx) => {
      engine.untagResource(scopeOf(ctx), input.ResourceArn, input.TagKeys);
      return {};
    },
    ListTagsForResource: (input, ctx) => ({ Tags: Object.entries(engine.listTags(scopeOf(ctx), input.ResourceArn)).map(([Key, Value]) => ({ Key, Value })) }),
  };
}
