// SNS: topics, their subscriptions, publish, subscribe, and the local email inbox (email / email-json subscriptions
// deliver into Nimbus's mailbox — nothing leaves the machine; `nimbus mail` shows the same).
import { useState } from 'react';
import {
  CreateTopicCommand, DeleteTopicCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, PublishCommand, SNSClient, SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { client } from '../aws.ts';
import { Empty, ErrorText, Loading, Panel, State, time } from '../components/ui.tsx';
import { clearMailbox, mailbox } from '../nimbus.ts';
import { usePoll, useAction } from '../poll.ts';

const sns = () => client(SNSClient);
const short = (arn: string | undefined) => arn?.split(':').pop() ?? '';

async function topics() {
  const arns: string[] = [];
  let NextToken: string | undefined;
  do {
    const r = await sns().send(new ListTopicsCommand({ NextToken }));
    arns.push(...(r.Topics ?? []).map((t) => t.TopicArn!));
    NextToken = r.NextToken;
  } while (NextToken);
  return Promise.all(arns.sort().map(async (arn) => ({
    arn, subs: (await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions ?? [],
  })));
}

export default function TopicsPage() {
  const list = usePoll(topics, []);
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<string>();
  const create = useAction(async () => (await sns().send(new CreateTopicCommand({ Name: name, Attributes: name.endsWith('.fifo') ? { FifoTopic: 'true', ContentBasedDeduplication: 'true' } : undefined }))).TopicArn!,
    (arn) => { setName(''); setSelected(arn); list.refresh(); });
  const topic = list.data?.find((t) => t.arn === (selected ?? list.data?.[0]?.arn));
  return (
    <>
      <h1>SNS topics</h1>
      <div className="charts">
        <Panel title={`Topics (${list.data?.length ?? '…'})`} testId="topics" actions={
          <form className="inline" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
            <input placeholder="topic name" value={name} onChange={(e) => setName(e.target.value)} name="topicName" />
            <button type="submit" className="primary" disabled={create.busy || !name} data-testid="create-topic">Create topic</button>
          </form>
        }>
          <ErrorText error={list.error ?? create.error} />
          {!list.data ? <Loading /> : list.data.length === 0 ? <Empty>No topics yet.</Empty> : (
            <table>
              <thead><tr><th>Topic</th><th>Subscriptions</th></tr></thead>
              <tbody>
                {list.data.map((t) => (
                  <tr key={t.arn} className={t.arn === topic?.arn ? 'selected' : ''} onClick={() => setSelected(t.arn)} data-topic={short(t.arn)}>
                    <td><a href="#" onClick={(e) => e.preventDefault()}>{short(t.arn)}</a></td><td>{t.subs.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
        {topic && <Topic topic={topic} refresh={list.refresh} />}
      </div>
      <Inbox />
    </>
  );
}

function Topic({ topic, refresh }: { topic: Awaited<ReturnType<typeof topics>>[number]; refresh: () => void }) {
  const [message, setMessage] = useState('Hello from the Nimbus console');
  const [subject, setSubject] = useState('Hello');
  const [protocol, setProtocol] = useState('email');
  const [endpoint, setEndpoint] = useState('me@example.com');
  const act = useAction(async (what: string, arg?: string) => {
    if (what === 'publish') return `published ${(await sns().send(new PublishCommand({ TopicArn: topic.arn, Message: message, Subject: subject || undefined,
      MessageGroupId: topic.arn.endsWith('.fifo') ? 'console' : undefined }))).MessageId}`;
    if (what === 'subscribe') return `subscribed: ${(await sns().send(new SubscribeCommand({ TopicArn: topic.arn, Protocol: protocol, Endpoint: endpoint, ReturnSubscriptionArn: true }))).SubscriptionArn}`;
    if (what === 'unsubscribe') await sns().send(new UnsubscribeCommand({ SubscriptionArn: arg }));
    if (what === 'delete') await sns().send(new DeleteTopicCommand({ TopicArn: topic.arn }));
    return what === 'delete' ? 'deleted' : 'unsubscribed';
  }, () => refresh());
  return (
    <Panel title={`Topic ${short(topic.arn)}`} testId="topic-detail" actions={<button className="danger" onClick={() => act.run('delete')} disabled={act.busy}>Delete topic</button>}>
      <div className="mono small muted">{topic.arn}</div>
      <h3>Subscriptions</h3>
      {topic.subs.length === 0 ? <Empty>No subscriptions.</Empty> : (
        <table>
          <thead><tr><th>Protocol</th><th>Endpoint</th><th>Status</th><th /></tr></thead>
          <tbody>
            {topic.subs.map((s) => {
              const pending = !s.SubscriptionArn?.startsWith('arn:');
              return (
                <tr key={s.SubscriptionArn + (s.Endpoint ?? '')} data-subscription={s.Endpoint}>
                  <td>{s.Protocol}</td><td className="mono">{s.Endpoint}</td>
                  <td><State value={pending ? 'PendingConfirmation' : 'Confirmed'} /></td>
                  <td>{!pending && <button className="link" onClick={() => act.run('unsubscribe', s.SubscriptionArn)}>unsubscribe</button>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form className="inline" onSubmit={(e) => { e.preventDefault(); void act.run('subscribe'); }}>
        <select value={protocol} onChange={(e) => setProtocol(e.target.value)} name="protocol">
          {['email', 'email-json', 'sqs', 'http', 'https', 'lambda'].map((p) => <option key={p}>{p}</option>)}
        </select>
        <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} className="grow" name="endpoint" placeholder="address, queue ARN, URL or function ARN" />
        <button type="submit" disabled={act.busy} data-testid="subscribe">Subscribe</button>
      </form>
      <h3>Publish</h3>
      <form className="form one" onSubmit={(e) => { e.preventDefault(); void act.run('publish'); }}>
        <label>Subject <input value={subject} onChange={(e) => setSubject(e.target.value)} name="subject" /></label>
        <label>Message <textarea rows={3} value={message} onChange={(e) => setMessage(e.target.value)} name="message" /></label>
        <div className="buttons"><button type="submit" className="primary" disabled={act.busy} data-testid="publish">Publish</button>
          {act.result && <span className="ok-text" data-testid="action-result">{act.result}</span>}</div>
      </form>
      <ErrorText error={act.error} />
    </Panel>
  );
}

function Inbox() {
  const mail = usePoll(mailbox, []);
  const [open, setOpen] = useState<number>();
  const act = useAction(async (what: string, url?: string) => {
    if (what === 'clear') await clearMailbox();
    if (what === 'confirm') {
      // The link names the host the subscriber used; confirm through this page's own origin.
      const u = new URL(url!);
      const r = await fetch(`${window.location.origin}${u.pathname}${u.search}`);
      if (!r.ok) throw new Error(`confirmation failed: ${r.status} ${await r.text()}`);
    }
  }, () => mail.refresh());
  const messages = (mail.data ?? []).slice().reverse();
  return (
    <Panel title={`Email inbox (${mail.data?.length ?? '…'})`} testId="inbox" actions={<button onClick={() => act.run('clear')} disabled={act.busy}>Empty inbox</button>}>
      <p className="muted small">What <code>email</code> and <code>email-json</code> subscriptions receive. Nothing leaves this machine.</p>
      <ErrorText error={mail.error ?? act.error} />
      {!mail.data ? <Loading /> : messages.length === 0 ? <Empty>No mail.</Empty> : (
        <table className="inbox">
          <thead><tr><th>Date</th><th>To</th><th>Subject</th><th /></tr></thead>
          <tbody>
            {messages.map((m) => {
              const confirm = /https?:\/\/\S*Action=ConfirmSubscription\S*/.exec(m.body)?.[0];
              return [
                <tr key={m.id} onClick={() => setOpen(open === m.id ? undefined : m.id)} data-mail={m.id} className="clickable">
                  <td>{time(m.date)}</td><td>{m.to}</td><td>{m.subject}</td>
                  <td>{confirm && <button onClick={(e) => { e.stopPropagation(); void act.run('confirm', confirm); }} data-testid="confirm-subscription">Confirm subscription</button>}</td>
                </tr>,
                open === m.id && <tr key={`${m.id}-body`}><td colSpan={4} className="wrap"><pre className="mail-body">{m.body}</pre></td></tr>,
              ];
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
