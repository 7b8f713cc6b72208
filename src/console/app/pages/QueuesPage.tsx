// SQS: queues with their live depth, create a queue; for the selected queue a depth chart, send, peek, purge.
import { useState } from 'react';
import {
  CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand,
  SQSClient, type Message,
} from '@aws-sdk/client-sqs';
import { client } from '../aws.ts';
import { TimeChart } from '../components/Chart.tsx';
import { Empty, ErrorText, KeyValues, Loading, Panel, useRange } from '../components/ui.tsx';
import { pretty, seconds } from '../format.ts';
import { metricSeries } from '../metrics.ts';
import { usePoll, useAction } from '../poll.ts';
import { Link, navigate } from '../router.tsx';

const sqs = () => client(SQSClient);
const nameOf = (url: string) => url.split('/').pop()!;

async function queues() {
  const urls: string[] = [];
  let NextToken: string | undefined;
  do {
    const r = await sqs().send(new ListQueuesCommand({ NextToken, MaxResults: 1000 }));
    urls.push(...(r.QueueUrls ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return Promise.all(urls.sort().map(async (url) => ({
    url, name: nameOf(url),
    attrs: ((await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })).catch(() => undefined))?.Attributes ?? {}) as Record<string, string>,
  })));
}

export default function QueuesPage({ params }: { params: Record<string, string> }) {
  const list = usePoll(queues, []);
  const [name, setName] = useState('');
  const create = useAction(async () => {
    const fifo = name.endsWith('.fifo');
    await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : undefined }));
    return name;
  }, (n) => { setName(''); list.refresh(); navigate(`/queues/${encodeURIComponent(n)}`); });
  const selected = list.data?.find((q) => q.name === params.name);
  return (
    <>
      <h1>SQS queues</h1>
      <Panel title={`Queues (${list.data?.length ?? '…'})`} testId="queues" actions={
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
          <input placeholder="queue name (name.fifo for FIFO)" style={{ width: 260 }} value={name} onChange={(e) => setName(e.target.value)} name="queueName" />
          <button type="submit" className="primary" disabled={create.busy || !name} data-testid="create-queue">Create queue</button>
        </form>
      }>
        <ErrorText error={list.error ?? create.error} />
        {!list.data ? <Loading /> : list.data.length === 0 ? <Empty>No queues yet. Create one.</Empty> : (
          <table>
            <thead><tr><th>Name</th><th>Type</th><th>Visible</th><th>In flight</th><th>Delayed</th><th>Visibility timeout</th><th>Dead-letter queue</th></tr></thead>
            <tbody>
              {list.data.map((q) => (
                <tr key={q.url} data-queue={q.name} className={q.name === params.name ? 'selected' : ''}>
                  <td><Link to={`/queues/${encodeURIComponent(q.name)}`}>{q.name}</Link></td>
                  <td>{q.attrs.FifoQueue === 'true' ? 'FIFO' : 'Standard'}</td>
                  <td data-field="visible">{q.attrs.ApproximateNumberOfMessages}</td>
                  <td data-field="in-flight">{q.attrs.ApproximateNumberOfMessagesNotVisible}</td>
                  <td>{q.attrs.ApproximateNumberOfMessagesDelayed}</td>
                  <td>{seconds(q.attrs.VisibilityTimeout)}</td>
                  <td>{q.attrs.RedrivePolicy ? nameOf(JSON.parse(q.attrs.RedrivePolicy).deadLetterTargetArn.replaceAll(':', '/')) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {params.name && list.data && (selected ? <Queue q={selected} refresh={list.refresh} /> : <Panel title={params.name}><Empty>No queue named {params.name}.</Empty></Panel>)}
    </>
  );
}

function Queue({ q, refresh }: { q: { url: string; name: string; attrs: Record<string, string> }; refresh: () => void }) {
  const range = useRange();
  const fifo = q.attrs.FifoQueue === 'true';
  const [body, setBody] = useState('{"hello": "world"}');
  const [group, setGroup] = useState('g1');
  const [peeked, setPeeked] = useState<Message[]>();
  const depth = usePoll(() => metricSeries([
    { label: 'visible', namespace: 'AWS/SQS', metric: 'ApproximateNumberOfMessagesVisible', dims: { QueueName: q.name }, stat: 'Maximum' },
    { label: 'in flight', namespace: 'AWS/SQS', metric: 'ApproximateNumberOfMessagesNotVisible', dims: { QueueName: q.name }, stat: 'Maximum' },
  ], range), [q.name, range]);
  const act = useAction(async (what: string) => {
    if (what === 'send') {
      const r = await sqs().send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body, MessageGroupId: fifo ? group : undefined }));
      return `sent ${r.MessageId}`;
    }
    if (what === 'purge') await sqs().send(new PurgeQueueCommand({ QueueUrl: q.url }));
    if (what === 'delete') {
      await sqs().send(new DeleteQueueCommand({ QueueUrl: q.url }));
      navigate('/queues');
    }
    return what === 'purge' ? 'purged' : 'deleted';
  }, () => refresh());
  // A receive with visibility timeout 0: the messages stay visible to consumers (their receive count goes up).
  const peek = useAction(async () => {
    const r = await sqs().send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    setPeeked(r.Messages ?? []);
  }, () => refresh());
  return (
    <>
      <Panel title={`Queue ${q.name}`} testId="queue-detail" actions={
        <>
          <button onClick={() => act.run('purge')} disabled={act.busy}>Purge</button>
          <button className="danger" onClick={() => act.run('delete')} disabled={act.busy}>Delete queue</button>
        </>
      }>
        <KeyValues items={[['URL', <span className="mono">{q.url}</span>], ['ARN', q.attrs.QueueArn], ['Visible', q.attrs.ApproximateNumberOfMessages],
          ['In flight', q.attrs.ApproximateNumberOfMessagesNotVisible], ['Retention', seconds(q.attrs.MessageRetentionPeriod)], ['Receive wait', seconds(q.attrs.ReceiveMessageWaitTimeSeconds)], ['Visibility timeout', seconds(q.attrs.VisibilityTimeout)],
          ['Max message size', `${Number(q.attrs.MaximumMessageSize ?? 0) / 1024} KiB`]]} />
        <ErrorText error={depth.error} />
        {depth.data && <TimeChart title="Queue depth (ApproximateNumberOfMessages…, Maximum)" testId="depth-chart" xRange={depth.data.range} x={depth.data.x} ys={depth.data.ys} labels={depth.data.labels} stepped />}
      </Panel>
      <div className="charts">
        <Panel title="Send a message" testId="send">
          <form onSubmit={(e) => { e.preventDefault(); void act.run('send'); }} className="form one">
            <label>Body <textarea rows={4} value={body} onChange={(e) => setBody(e.target.value)} name="body" spellCheck={false} /></label>
            {fifo && <label>Message group ID <input value={group} onChange={(e) => setGroup(e.target.value)} name="group" /></label>}
            <div className="buttons"><button type="submit" className="primary" disabled={act.busy} data-testid="send-message">Send message</button>
              {act.result && <span className="ok-text" data-testid="action-result">{act.result}</span>}</div>
            <ErrorText error={act.error} />
          </form>
        </Panel>
        <Panel title="Peek messages" testId="peek" actions={<button onClick={() => peek.run()} disabled={peek.busy} data-testid="peek-messages">Peek</button>}>
          <ErrorText error={peek.error} />
          <p className="muted small">Receives up to 10 messages with visibility timeout 0, so they stay available to consumers.</p>
          {peeked && (peeked.length === 0 ? <Empty>No visible messages.</Empty> : peeked.map((m) => (
            <div key={m.MessageId} className="message" data-message={m.MessageId}>
              <div className="muted small">{m.MessageId} · received {m.Attributes?.ApproximateReceiveCount}× · sent {m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : ''}</div>
              <pre>{pretty(m.Body ?? '')}</pre>
            </div>
          )))}
        </Panel>
      </div>
    </>
  );
}
