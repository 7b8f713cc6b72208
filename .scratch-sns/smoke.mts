import { CreateTopicCommand, SubscribeCommand, PublishCommand, GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { startSnsTest, createQueue, receiveAll } from '../test/sns/support.ts';
const t = await startSnsTest();
try {
  const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'orders' }))).TopicArn!;
  console.log(topic, (await t.sns.send(new GetTopicAttributesCommand({ TopicArn: topic }))).Attributes);
  const q = await createQueue(t.sqs, 'q1');
  const raw = await createQueue(t.sqs, 'q2');
  console.log(await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: q.arn })));
  await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: raw.arn, Attributes: { RawMessageDelivery: 'true' } }));
  console.log(await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'hello', Subject: 'subj', MessageAttributes: { a: { DataType: 'String', StringValue: 'x' } } })));
  const m = await receiveAll(t.sqs, q.url, 1);
  console.log(m[0].Body);
  const r = await receiveAll(t.sqs, raw.url, 1);
  console.log(r[0].Body, r[0].MessageAttributes);
} finally { await t.close(); }
