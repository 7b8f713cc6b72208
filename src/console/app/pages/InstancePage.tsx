// One instance: details, CPU (CloudWatch) and memory (cgroup) graphs, the console output, and "connect" (run a
// command inside the instance through Nimbus's exec hook — the browser's `nimbus ssh`).
import { useRef, useState, type FormEvent } from 'react';
import {
  DescribeInstancesCommand, EC2Client, GetConsoleOutputCommand, RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { client, tagMap } from '../aws.ts';
import { TimeChart } from '../components/Chart.tsx';
import { ErrorText, KeyValues, Loading, Panel, State, time, useRange } from '../components/ui.tsx';
import { family, fromBase64, mib } from '../format.ts';
import { metricSeries } from '../metrics.ts';
import { execIn, instanceStats, noticeText, spotReclaim, type ExecResult } from '../nimbus.ts';
import { usePoll, useAction } from '../poll.ts';
import { Link } from '../router.tsx';

const ec2 = () => client(EC2Client);

/** Memory samples per instance, kept while the console is open (AWS publishes no memory metric without an agent). */
const memory = new Map<string, { t: number[]; used: number[]; limit: number[] }>();

export default function InstancePage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const range = useRange();
  const inst = usePoll(async () => {
    const r = await ec2().send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return r.Reservations?.[0]?.Instances?.[0];
  }, [id]);
  const cpu = usePoll(() => metricSeries([{ label: 'CPU', namespace: 'AWS/EC2', metric: 'CPUUtilization', dims: { InstanceId: id }, stat: 'Average' }], range), [id, range]);
  const mem = usePoll(async () => {
    const h = memory.get(id) ?? { t: [], used: [], limit: [] };
    memory.set(id, h);
    const s = await instanceStats(id).catch(() => undefined);
    if (s) {
      h.t.push(Math.floor(Date.now() / 1000));
      h.used.push(mib(s.memoryBytes));
      h.limit.push(mib(s.memoryLimitBytes));
      if (h.t.length > 1800) for (const a of [h.t, h.used, h.limit]) a.shift();
    }
    return { ...h, oomKills: s?.oomKills ?? 0 };
  }, [id]);
  const out = usePoll(async () => fromBase64((await ec2().send(new GetConsoleOutputCommand({ InstanceId: id, Latest: true }))).Output), [id]);
  const act = useAction(async (what: string): Promise<string | undefined> => {
    const ids = { InstanceIds: [id] };
    if (what === 'stop') await ec2().send(new StopInstancesCommand(ids));
    if (what === 'start') await ec2().send(new StartInstancesCommand(ids));
    if (what === 'reboot') await ec2().send(new RebootInstancesCommand(ids));
    if (what === 'terminate') await ec2().send(new TerminateInstancesCommand(ids));
    if (what === 'reclaim') return noticeText(await spotReclaim(id));
    return undefined;
  }, () => inst.refresh());

  const i = inst.data;
  const s = i?.State?.Name;
  return (
    <>
      <div className="crumbs"><Link to="/instances">Instances</Link> / {id}</div>
      <h1>{tagMap(i?.Tags).Name ?? id} {i && <State value={s} />}</h1>
      <ErrorText error={inst.error ?? act.error} />
      {act.result && <div className="notice" data-testid="spot-notice">{act.result}</div>}
      <Panel title="Details" testId="instance-details" actions={i && (
        <>
          {s === 'running' && <button onClick={() => act.run('stop')} disabled={act.busy}>Stop</button>}
          {s === 'stopped' && <button onClick={() => act.run('start')} disabled={act.busy}>Start</button>}
          {s === 'running' && <button onClick={() => act.run('reboot')} disabled={act.busy}>Reboot</button>}
          {s === 'running' && i.InstanceLifecycle === 'spot' && <button onClick={() => act.run('reclaim')} disabled={act.busy} data-testid="reclaim">Spot reclaim</button>}
          {s !== 'terminated' && <button className="danger" onClick={() => act.run('terminate')} disabled={act.busy}>Terminate</button>}
        </>
      )}>
        {!i ? (inst.data === undefined && !inst.error ? <Loading /> : <div>No instance {id}.</div>) : (
          <KeyValues items={[
            ['Instance ID', i.InstanceId], ['State', <State value={s} />], ['Type', i.InstanceType], ['Family', family(i.InstanceType)],
            ['Availability zone', i.Placement?.AvailabilityZone], ['Private IP', i.PrivateIpAddress], ['Private DNS', i.PrivateDnsName],
            ['AMI', i.ImageId], ['Subnet', i.SubnetId], ['Security groups', (i.SecurityGroups ?? []).map((g) => g.GroupName).join(', ')],
            ['Key pair', i.KeyName], ['Market', i.InstanceLifecycle ?? 'on-demand'], ['Launched', time(i.LaunchTime)],
            ['State reason', i.StateReason?.Message ?? i.StateTransitionReason],
          ]} />
        )}
      </Panel>
      <div className="charts">
        <Panel title="CPU utilization">
          <ErrorText error={cpu.error} />
          {cpu.data && <TimeChart title="CPUUtilization (Average, %)" testId="cpu-chart" xRange={cpu.data.range} x={cpu.data.x} ys={cpu.data.ys} labels={cpu.data.labels} unit="%" />}
        </Panel>
        <Panel title="Memory">
          {mem.data && <TimeChart testId="memory-chart" unit=" MiB" x={mem.data.t.slice()} ys={[mem.data.used.slice()]} labels={['used']}
            title={`Memory used (MiB, cgroup, sampled every 2 s while this page is open) of ${mem.data.limit.at(-1) ?? '…'} MiB${mem.data.oomKills ? ` — ${mem.data.oomKills} OOM kill(s)` : ''}`}
            xRange={mem.data.t.length ? [Math.min(mem.data.t[0]!, mem.data.t.at(-1)! - 60), mem.data.t.at(-1)! + 1] : undefined} />}
        </Panel>
      </div>
      <Panel title="Console output" testId="console-output-panel">
        <ErrorText error={out.error} />
        <pre className="console" data-testid="console-output">{out.data || '(no output yet)'}</pre>
      </Panel>
      {s === 'running' && <Connect id={id} />}
    </>
  );
}

function Connect({ id }: { id: string }) {
  const [cmd, setCmd] = useState('hostname; ip -4 -o addr show eth0; nproc; free -m');
  const [history, setHistory] = useState<Array<{ cmd: string; r: ExecResult }>>([]);
  const end = useRef<HTMLDivElement>(null);
  const run = useAction(async (c: string) => execIn(id, c), undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await run.run(cmd);
    if (r) {
      setHistory((h) => [...h.slice(-19), { cmd, r }]);
      setTimeout(() => end.current?.scrollIntoView({ block: 'nearest' }), 0);
    }
  };
  return (
    <Panel title="Connect" testId="connect">
      <p className="muted">Runs a command inside the instance (its namespaces and cgroup), like <code>nimbus exec {id} -- sh -c '…'</code>. For an interactive shell: <code>nimbus ssh {id}</code>.</p>
      <div className="terminal" data-testid="terminal">
        {history.map((h, n) => (
          <div key={n}>
            <div className="prompt">$ {h.cmd}</div>
            {h.r.stdout && <pre>{h.r.stdout}</pre>}
            {h.r.stderr && <pre className="stderr">{h.r.stderr}</pre>}
            {h.r.code !== 0 && <div className="stderr">exit {String(h.r.code)}</div>}
          </div>
        ))}
        <div ref={end} />
      </div>
      <form onSubmit={submit} className="inline">
        <input value={cmd} onChange={(e) => setCmd(e.target.value)} className="grow mono" name="command" />
        <button type="submit" className="primary" disabled={run.busy} data-testid="exec">{run.busy ? 'Running…' : 'Run'}</button>
      </form>
      <ErrorText error={run.error} />
    </Panel>
  );
}
