// EC2 instances: the list (live), a launch form, and the per-row lifecycle actions.
import { useState, type FormEvent } from 'react';
import {
  DescribeImagesCommand, DescribeInstancesCommand, DescribeInstanceTypesCommand, DescribeSecurityGroupsCommand, EC2Client,
  RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type Instance, type _InstanceType,
} from '@aws-sdk/client-ec2';
import { client, tagMap } from '../aws.ts';
import { ErrorText, Panel, State, time, Empty, Loading } from '../components/ui.tsx';
import { family, toBase64 } from '../format.ts';
import { noticeText, spotReclaim } from '../nimbus.ts';
import { usePoll, useAction } from '../poll.ts';
import { Link } from '../router.tsx';

const ec2 = () => client(EC2Client);

export async function allInstances(): Promise<Instance[]> {
  const out: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const r = await ec2().send(new DescribeInstancesCommand({ NextToken, MaxResults: 1000 }));
    for (const res of r.Reservations ?? []) out.push(...(res.Instances ?? []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out.sort((a, b) => (b.LaunchTime?.getTime() ?? 0) - (a.LaunchTime?.getTime() ?? 0));
}

export default function InstancesPage() {
  const list = usePoll(allInstances, []);
  const [launching, setLaunching] = useState(false);
  const act = useAction(async (what: 'stop' | 'start' | 'terminate' | 'reclaim', id: string): Promise<string | undefined> => {
    if (what === 'stop') await ec2().send(new StopInstancesCommand({ InstanceIds: [id] }));
    if (what === 'start') await ec2().send(new StartInstancesCommand({ InstanceIds: [id] }));
    if (what === 'terminate') await ec2().send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    if (what === 'reclaim') return noticeText(await spotReclaim(id));
    return undefined;
  }, () => list.refresh());

  return (
    <>
      <h1>Instances</h1>
      {launching && <LaunchForm onDone={() => { setLaunching(false); list.refresh(); }} onCancel={() => setLaunching(false)} />}
      <Panel title={`Instances (${list.data?.length ?? '…'})`} testId="instances"
        actions={!launching && <button className="primary" onClick={() => setLaunching(true)} data-testid="launch-open">Launch instance</button>}>
        <ErrorText error={list.error ?? act.error} />
        {act.result && <div className="notice" data-testid="spot-notice">{act.result}</div>}
        {!list.data ? <Loading /> : list.data.length === 0 ? <Empty>No instances yet. Launch one.</Empty> : (
          <table>
            <thead><tr><th>Name</th><th>Instance ID</th><th>State</th><th>Type</th><th>Family</th><th>AZ</th><th>Private IP</th><th>Market</th><th>Launched</th><th /></tr></thead>
            <tbody>
              {list.data.map((i) => {
                const s = i.State?.Name;
                return (
                  <tr key={i.InstanceId} data-instance={i.InstanceId} data-state={s}>
                    <td>{tagMap(i.Tags).Name ?? ''}{tagMap(i.Tags)['aws:autoscaling:groupName'] && <div className="muted small">ASG {tagMap(i.Tags)['aws:autoscaling:groupName']}</div>}</td>
                    <td><Link to={`/instances/${i.InstanceId}`}>{i.InstanceId}</Link></td>
                    <td><State value={s} /></td>
                    <td>{i.InstanceType}</td>
                    <td>{family(i.InstanceType)}</td>
                    <td>{i.Placement?.AvailabilityZone}</td>
                    <td className="ip" data-field="ip">{i.PrivateIpAddress ?? ''}</td>
                    <td>{i.InstanceLifecycle ?? 'on-demand'}</td>
                    <td>{time(i.LaunchTime)}</td>
                    <td className="row-actions">
                      {s === 'running' && <button onClick={() => act.run('stop', i.InstanceId!)} disabled={act.busy}>Stop</button>}
                      {s === 'stopped' && <button onClick={() => act.run('start', i.InstanceId!)} disabled={act.busy}>Start</button>}
                      {s === 'running' && i.InstanceLifecycle === 'spot' && <button onClick={() => act.run('reclaim', i.InstanceId!)} disabled={act.busy} data-testid="reclaim"
                        title="Simulate an EC2 spot interruption (the instance is reclaimed)">Spot reclaim</button>}
                      {s !== 'terminated' && s !== 'shutting-down' && <button className="danger" onClick={() => act.run('terminate', i.InstanceId!)} disabled={act.busy}>Terminate</button>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

const DEFAULT_USER_DATA = `#!/bin/sh
echo "hello from $(hostname)"
exec python3 -m http.server 80
`;

function LaunchForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const choices = usePoll(async () => {
    const [images, types, groups] = await Promise.all([
      ec2().send(new DescribeImagesCommand({})),
      ec2().send(new DescribeInstanceTypesCommand({})),
      ec2().send(new DescribeSecurityGroupsCommand({})),
    ]);
    return {
      images: images.Images ?? [],
      types: (types.InstanceTypes ?? []).map((t) => t.InstanceType!).sort(),
      groups: groups.SecurityGroups ?? [],
    };
  }, [], 60_000);
  const [form, setForm] = useState({ name: '', image: '', type: 't3.micro', group: '', userData: DEFAULT_USER_DATA, count: 1, spot: false });
  const set = (k: keyof typeof form) => (e: { target: { value: string; checked?: boolean; type?: string } }) =>
    setForm({ ...form, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const launch = useAction(async () => {
    const c = choices.data!;
    const image = form.image || c.images[0]?.ImageId;
    await ec2().send(new RunInstancesCommand({
      ImageId: image, InstanceType: form.type as _InstanceType, MinCount: Number(form.count), MaxCount: Number(form.count),
      SecurityGroupIds: form.group ? [form.group] : undefined,
      UserData: form.userData.trim() ? toBase64(form.userData) : undefined,
      InstanceMarketOptions: form.spot ? { MarketType: 'spot' } : undefined,
      TagSpecifications: form.name ? [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: form.name }] }] : undefined,
    }));
  }, onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void launch.run();
  };
  const c = choices.data;
  return (
    <Panel title="Launch an instance" testId="launch-form">
      {!c ? <Loading what="images and types" /> : (
        <form onSubmit={submit} className="form">
          <label>Name <input value={form.name} onChange={set('name')} placeholder="web-1" name="name" /></label>
          <label>AMI
            <select value={form.image} onChange={set('image')} name="image">
              {c.images.map((i) => <option key={i.ImageId} value={i.ImageId}>{i.Name} ({i.ImageId})</option>)}
            </select>
          </label>
          <label>Instance type
            <select value={form.type} onChange={set('type')} name="type">
              {c.types.map((t) => <option key={t} value={t}>{t} — {family(t)}</option>)}
            </select>
          </label>
          <label>Security group
            <select value={form.group} onChange={set('group')} name="group">
              <option value="">default</option>
              {c.groups.filter((g) => g.GroupName !== 'default').map((g) => <option key={g.GroupId} value={g.GroupId}>{g.GroupName} ({g.GroupId})</option>)}
            </select>
          </label>
          <label>Count <input type="number" min={1} max={20} value={form.count} onChange={set('count')} name="count" /></label>
          <label className="check"><input type="checkbox" checked={form.spot} onChange={set('spot')} name="spot" /> Spot instance</label>
          <label className="wide">User data (runs at boot)
            <textarea rows={5} value={form.userData} onChange={set('userData')} name="userData" spellCheck={false} />
          </label>
          <div className="buttons wide">
            <button type="submit" className="primary" disabled={launch.busy} data-testid="launch-submit">{launch.busy ? 'Launching…' : 'Launch'}</button>
            <button type="button" onClick={onCancel}>Cancel</button>
          </div>
          <ErrorText error={launch.error ?? choices.error} />
        </form>
      )}
    </Panel>
  );
}
