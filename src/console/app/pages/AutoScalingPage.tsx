// Auto Scaling groups: the list, and for the selected group a capacity chart over time (min / desired / max /
// in-service, with scaling activities marked), its instances and its activity history.
//
// EC2 Auto Scaling publishes no group metrics here, so the console samples DescribeAutoScalingGroups every 2 s while
// it is open (kept for the browser session) and reconstructs the in-service line before that from the activities.
import { useState } from 'react';
import {
  AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand, SetDesiredCapacityCommand, type Activity, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { client } from '../aws.ts';
import { TimeChart, type Marker } from '../components/Chart.tsx';
import { Empty, ErrorText, Loading, Panel, State, time, useRange } from '../components/ui.tsx';
import { metricSeries, RANGES } from '../metrics.ts';
import { nimbusNow } from '../nimbus.ts';
import { usePoll, useAction } from '../poll.ts';
import { Link, navigate } from '../router.tsx';

const asg = () => client(AutoScalingClient);

interface Sample { t: number; min: number; desired: number; max: number; inService: number }
const KEY = 'nimbus.asg-samples';
const samples: Record<string, Sample[]> = JSON.parse(sessionStorage.getItem(KEY) ?? '{}');

function record(groups: AutoScalingGroup[], t: number): void {
  for (const g of groups) {
    const list = (samples[g.AutoScalingGroupName!] ??= []);
    list.push({ t, min: g.MinSize ?? 0, desired: g.DesiredCapacity ?? 0, max: g.MaxSize ?? 0, inService: inService(g) });
    if (list.length > 5000) list.splice(0, list.length - 5000);
  }
  try {
    sessionStorage.setItem(KEY, JSON.stringify(samples));
  } catch {
    // storage full: keep the in-memory samples
  }
}

const inService = (g: AutoScalingGroup) => (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length;

/** In-service count before the first sample, walking the activities back from it (launch: +1 at its end; terminate: −1 at its start). */
function backfill(first: Sample | undefined, now: number, current: number, activities: Activity[]): Array<[number, number]> {
  const until = first?.t ?? now;
  let n = first?.inService ?? current;
  const out: Array<[number, number]> = [];
  const events = activities.map((a) => {
    const launch = a.Description?.startsWith('Launching a new EC2 instance:') && a.StatusCode === 'Successful';
    const term = a.Description?.startsWith('Terminating EC2 instance:');
    const at = (launch ? a.EndTime : a.StartTime)?.getTime() ?? 0;
    return { at: Math.floor(at / 1000), delta: launch ? 1 : term ? -1 : 0 };
  }).filter((e) => e.delta && e.at < until).sort((a, b) => b.at - a.at);
  for (const e of events) {
    out.push([e.at, n]);
    n = Math.max(0, n - e.delta);
    out.push([e.at - 0.001, n]);
  }
  return out.reverse();
}

export default function AutoScalingPage({ params }: { params: Record<string, string> }) {
  const groups = usePoll(async () => {
    const r = await asg().send(new DescribeAutoScalingGroupsCommand({}));
    const list = r.AutoScalingGroups ?? [];
    record(list, Math.floor((await nimbusNow()) / 1000));
    return list;
  }, []);
  const selected = params.name ?? groups.data?.[0]?.AutoScalingGroupName;
  return (
    <>
      <h1>Auto Scaling groups</h1>
      <Panel title={`Groups (${groups.data?.length ?? '…'})`} testId="asg-list">
        <ErrorText error={groups.error} />
        {!groups.data ? <Loading /> : groups.data.length === 0 ? <Empty>No Auto Scaling groups. Create one with <code>aws autoscaling create-auto-scaling-group</code>.</Empty> : (
          <table>
            <thead><tr><th>Name</th><th>Min</th><th>Desired</th><th>Max</th><th>In service</th><th>Instances</th><th>AZs</th><th>Health check</th><th>Target groups</th></tr></thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={g.AutoScalingGroupName} className={g.AutoScalingGroupName === selected ? 'selected' : ''} data-group={g.AutoScalingGroupName}
                  onClick={() => navigate(`/autoscaling/${encodeURIComponent(g.AutoScalingGroupName!)}`)}>
                  <td><Link to={`/autoscaling/${encodeURIComponent(g.AutoScalingGroupName!)}`}>{g.AutoScalingGroupName}</Link></td>
                  <td>{g.MinSize}</td><td data-field="desired">{g.DesiredCapacity}</td><td>{g.MaxSize}</td>
                  <td data-field="in-service">{inService(g)}</td><td>{g.Instances?.length ?? 0}</td>
                  <td>{(g.AvailabilityZones ?? []).join(', ')}</td><td>{g.HealthCheckType}</td>
                  <td>{(g.TargetGroupARNs ?? []).map((a) => a.split(':').pop()).join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {selected && groups.data && <Group group={groups.data.find((g) => g.AutoScalingGroupName === selected)} name={selected} refresh={groups.refresh} />}
    </>
  );
}

function Group({ group, name, refresh }: { group: AutoScalingGroup | undefined; name: string; refresh: () => void }) {
  const range = useRange();
  const [desired, setDesired] = useState('');
  const acts = usePoll(async () => (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 100 }))).Activities ?? [], [name]);
  const cpu = usePoll(() => metricSeries([{ label: 'CPU', namespace: 'AWS/EC2', metric: 'CPUUtilization', dims: { AutoScalingGroupName: name }, stat: 'Average' }], range), [name, range]);
  const set = useAction((n: number) => asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: n })), refresh);
  if (!group) return <Panel title={name}><Empty>No group named {name}.</Empty></Panel>;

  const list = samples[name] ?? [];
  const now = list.at(-1)?.t ?? Math.floor(Date.now() / 1000);
  const from = now - RANGES[range].seconds;
  const past = backfill(list[0], now, inService(group), acts.data ?? []).filter(([t]) => t >= from);
  const live = list.filter((s) => s.t >= from);
  const x = [...past.map(([t]) => t), ...live.map((s) => s.t)];
  const nulls = past.map(() => null);
  const ys = [
    [...nulls, ...live.map((s) => s.min)], [...nulls, ...live.map((s) => s.desired)], [...nulls, ...live.map((s) => s.max)],
    [...past.map(([, n]) => n), ...live.map((s) => s.inService)],
  ];
  const markers: Marker[] = (acts.data ?? []).filter((a) => a.StartTime && a.StartTime.getTime() / 1000 >= from).map((a) => ({
    t: a.StartTime!.getTime() / 1000,
    label: a.Description?.startsWith('Launching') ? '+1' : a.Description?.startsWith('Terminating') ? '−1' : 'scheduled',
    color: a.StatusCode === 'Failed' ? '#d13212' : a.Description?.startsWith('Launching') ? '#037f0c' : '#8456ce',
  }));

  return (
    <>
      <Panel title={`Capacity — ${name}`} testId="asg-capacity" actions={
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void set.run(Number(desired)); }}>
          <input type="number" min={group.MinSize} max={group.MaxSize} placeholder={String(group.DesiredCapacity)} value={desired}
            onChange={(e) => setDesired(e.target.value)} style={{ width: 70 }} name="desired" />
          <button type="submit" disabled={set.busy || desired === ''}>Set desired capacity</button>
        </form>
      }>
        <ErrorText error={set.error ?? acts.error} />
        <TimeChart title="Capacity (instances); dashed lines: scaling activities" testId="capacity-chart" x={x} ys={ys} xRange={x.length ? [Math.max(from, x[0]! - 5), now + 1] : undefined}
          labels={['min', 'desired', 'max', 'in service']} dashed={['desired']} stepped markers={markers} height={220} />
        <TimeChart title="Group CPUUtilization (Average, %)" testId="asg-cpu-chart" xRange={cpu.data?.range} x={cpu.data?.x ?? []} ys={cpu.data?.ys ?? [[]]} labels={['CPU']} unit="%" height={140} />
      </Panel>
      <Panel title={`Instances (${group.Instances?.length ?? 0})`} testId="asg-instances">
        {(group.Instances ?? []).length === 0 ? <Empty>No instances.</Empty> : (
          <table>
            <thead><tr><th>Instance</th><th>Lifecycle</th><th>Health</th><th>AZ</th><th>Type</th><th>Protected</th></tr></thead>
            <tbody>
              {(group.Instances ?? []).map((i) => (
                <tr key={i.InstanceId}>
                  <td><Link to={`/instances/${i.InstanceId}`}>{i.InstanceId}</Link></td>
                  <td><State value={i.LifecycleState} /></td><td><State value={i.HealthStatus} /></td>
                  <td>{i.AvailabilityZone}</td><td>{i.InstanceType}</td><td>{i.ProtectedFromScaleIn ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Scaling activities" testId="asg-activities">
        {!acts.data ? <Loading /> : acts.data.length === 0 ? <Empty>No activities yet.</Empty> : (
          <table>
            <thead><tr><th>Status</th><th>Description</th><th>Cause</th><th>Start</th><th>End</th></tr></thead>
            <tbody>
              {acts.data.slice(0, 30).map((a) => (
                <tr key={a.ActivityId}>
                  <td><State value={a.StatusCode} /></td><td className="wrap">{a.Description}</td><td className="small">{a.Cause}</td>
                  <td>{time(a.StartTime)}</td><td>{a.EndTime ? time(a.EndTime) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
