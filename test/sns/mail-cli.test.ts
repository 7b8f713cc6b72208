import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailCommand } from '../../src/cli/mail.ts';
import { startSnsTest, type SnsTest } from './support.ts';

describe('nimbus mail', () => {
  let t: SnsTest;
  before(async () => {
    t = await startSnsTest();
  });
  after(async () => {
    await t?.close();
  });

  const mail = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await mailCommand(['--endpoint', t.endpoint, ...args], (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  };

  test('lists confirmation links and notifications; clears', async () => {
    assert.match((await mail()).text, /\(no mail\)/);
    const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'cli-mail' }))).TopicArn!;
    await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'me@example.com' }));
    const listed = await mail('--to', 'me@example.com');
    assert.equal(listed.code, 0);
    const link = /Confirm: (\S+)/.exec(listed.text)![1];
    assert.equal((await fetch(link)).status, 200);
    await t.sns.send(new PublishCommand({ TopicArn: topic, Subject: 'Hello', Message: 'first line\nsecond line' }));
    const after = await mail();
    assert.match(after.text, /Subject: Hello/);
    assert.match(after.text, /first line/);
    assert.doesNotMatch(after.text, /second line/);
    assert.match((await mail('--full')).text, /second line/);
    assert.equal(JSON.parse((await mail('--json')).text).length, 2);
    assert.match((await mail('--clear')).text, /deleted 2/);
    assert.match((await mail()).text, /\(no mail\)/);
    assert.equal((await mailCommand(['--endpoint', 'http://127.0.0.1:1'], () => {})), 1);
  });
});
