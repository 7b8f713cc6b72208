// Lambda: functions, and for the selected one its configuration, invoke with a payload (result + log tail), a
// duration chart (AWS/Lambda Duration) and its recent CloudWatch Logs.
import { useState } from 'react';
import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, type FunctionConfiguration, type InvocationType } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { client, isUnavailable } from '../aws.ts';
import { TimeChart } from '../components/Chart.tsx';
import { Empty, ErrorText, KeyValues, Loading, Panel, State, time, useRange } from '../components/ui.tsx';
import { fromBase64, pretty, utf8 } from '../format.ts';
import { metricSeries } from '../metrics.ts';
import { nimbusNow } from '../nimbus.ts';
import { usePoll, useAction } from '../poll.ts';
import { Link } from '../router.tsx';

const lambda = () => client(LambdaClient);

async function functions(): Promise<FunctionConfiguration[]> {
  const out: FunctionConfiguration[] = [];
  let Marker: string | undefined;
  do {
    const r = await lambda().send(new ListFunctionsCommand({ Marker }));
    out.push(...(r.Functions ?? []));
    Marker = r.NextMarker;
  } while (Marker);
  return out.sort((a, b) => a.FunctionName!.localeCompare(b.FunctionName!));
}

export default function FunctionsPage({ params }: { params: Record<string, string> }) {
  const list = usePoll(functions, []);
  const name = params.name ?? list.data?.[0]?.FunctionName;
  return (
    <>
      <h1>Lambda functions</h1>
      <Panel title={`Functions (${list.data?.length ?? '…'})`} testId="functions">
        <ErrorText error={list.error} />
        {!list.data ? <Loading /> : list.data.length === 0 ? <Empty>No functions. Create one with <code>aws lambda create-function</code>.</Empty> : (
          <table>
            <thead><tr><th>Name</th><th>Runtime</th><th>Handler</th><th>Memory</th><th>Timeout</th><th>State</th><th>Last modified</th></tr></thead>
            <tbody>
              {list.data.map((f) => (
                <tr key={f.FunctionArn} className={f.FunctionName === name ? 'selected' : ''} data-function={f.FunctionName}>
                  <td><Link to={`/functions/${encodeURIComponent(f.FunctionName!)}`}>{f.FunctionName}</Link></td>
                  <td>{f.Runtime}</td><td>{f.Handler}</td><td>{f.MemorySize} MB</td><td>{f.Timeout} s</td>
                  <td><State value={f.State} /></td><td>{f.LastModified ? time(f.LastModified) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {name && list.data && <Fn key={name} name={name} />}
    </>
  );
}

function Fn({ name }: { name: string }) {
  const range = useRange();
  const fn = usePoll(async () => (await lambda().send(new GetFunctionCommand({ FunctionName: name }))).Configuration, [name], 10_000);
  const chart = usePoll(() => metricSeries([
    { label: 'avg', namespace: 'AWS/Lambda', metric: 'Duration', dims: { FunctionName: name }, stat: 'Average' },
    { label: 'max', namespace: 'AWS/Lambda', metric: 'Duration', dims: { FunctionName: name }, stat: 'Maximum' },
  ], range), [name, range]);
  const logs = usePoll(async () => {
    const end = await nimbusNow();
    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    try {
      do {
        const r = await client(CloudWatchLogsClient).send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, startTime: end - 3600_000, nextToken }));
        events.push(...(r.events ?? []));
        nextToken = r.nextToken;
      } while (nextToken && ++pages < 10);
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException' || isUnavailable(err)) return [];
      throw err;
    }
    return events.slice(-200);
  }, [name]);
  const [payload, setPayload] = useState('{"name": "console"}');
  const [type, setType] = useState<InvocationType>('RequestResponse');
  const invoke = useAction(async () => {
    const r = await lambda().send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(payload), InvocationType: type, LogType: type === 'RequestResponse' ? 'Tail' : undefined }));
    return { status: r.StatusCode, error: r.FunctionError, version: r.ExecutedVersion, payload: utf8(r.Payload), log: fromBase64(r.LogResult) };
  }, () => logs.refresh());
  const c = fn.data;
  return (
    <>
      <Panel title={`Function ${name}`} testId="function-detail">
        <ErrorText error={fn.error} />
        {c && <KeyValues items={[['ARN', c.FunctionArn], ['Runtime', c.Runtime], ['Handler', c.Handler], ['Memory', `${c.MemorySize} MB`], ['Timeout', `${c.Timeout} s`],
          ['Code size', `${c.CodeSize} bytes`], ['State', c.State], ['Last update', c.LastUpdateStatus]]} />}
      </Panel>
      <div className="charts">
        <Panel title="Invoke" testId="invoke-panel">
          <form className="form one" onSubmit={(e) => { e.preventDefault(); void invoke.run(); }}>
            <label>Payload (JSON) <textarea rows={5} value={payload} onChange={(e) => setPayload(e.target.value)} name="payload" spellCheck={false} /></label>
            <label>Invocation type
              <select value={type} onChange={(e) => setType(e.target.value as InvocationType)} name="invocationType">
                <option>RequestResponse</option><option>Event</option><option>DryRun</option>
              </select>
            </label>
            <div className="buttons"><button type="submit" className="primary" disabled={invoke.busy} data-testid="invoke">{invoke.busy ? 'Invoking…' : 'Invoke'}</button></div>
          </form>
          <ErrorText error={invoke.error} />
          {invoke.result && (
            <div data-testid="invoke-result" data-status={invoke.result.status} data-function-error={invoke.result.error ?? ''}>
              <div>Status <b>{invoke.result.status}</b>{invoke.result.error && <span className="error-inline"> · {invoke.result.error}</span>} · version {invoke.result.version ?? '–'}</div>
              <h3>Result</h3>
              <pre data-testid="invoke-payload">{pretty(invoke.result.payload) || '(empty)'}</pre>
              {invoke.result.log && <><h3>Log tail</h3><pre className="console" data-testid="invoke-log">{invoke.result.log}</pre></>}
            </div>
          )}
        </Panel>
        <Panel title="Duration">
          <ErrorText error={chart.error} />
          {chart.data && <TimeChart title="Duration (ms)" testId="duration-chart" xRange={chart.data.range} x={chart.data.x} ys={chart.data.ys} labels={chart.data.labels} unit=" ms" />}
        </Panel>
      </div>
      <Panel title={`Logs — /aws/lambda/${name} (last hour)`} testId="function-logs">
        <ErrorText error={logs.error} />
        {!logs.data ? <Loading /> : logs.data.length === 0 ? <Empty>No log events in the last hour.</Empty> : (
          <pre className="console logs" data-testid="log-events">
            {logs.data.map((e) => `${time(e.timestamp)}  ${e.message?.replace(/\n$/, '')}`).join('\n')}
          </pre>
        )}
      </Panel>
    </>
  );
}
