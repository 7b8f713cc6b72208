// EBS volumes: list, create, attach to an instance, detach, delete.
import { useState } from 'react';
import {
  AttachVolumeCommand, CreateVolumeCommand, DeleteVolumeCommand, DescribeAvailabilityZonesCommand, DescribeVolumesCommand, DetachVolumeCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { client } from '../aws.ts';
import { Empty, ErrorText, Loading, Panel, State, time } from '../components/ui.tsx';
import { usePoll, useAction } from '../poll.ts';
import { Link } from '../router.tsx';

const ec2 = () => client(EC2Client);

export default function VolumesPage() {
  const vols = usePoll(async () => (await ec2().send(new DescribeVolumesCommand({}))).Volumes ?? [], []);
  const zones = usePoll(async () => (await ec2().send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [], [], 60_000);
  const [size, setSize] = useState(8);
  const [az, setAz] = useState('');
  const [attach, setAttach] = useState<Record<string, string>>({});
  const act = useAction(async (what: string, id?: string) => {
    if (what === 'create') await ec2().send(new CreateVolumeCommand({ Size: size, AvailabilityZone: az || zones.data?.[0]?.ZoneName, VolumeType: 'gp3' }));
    if (what === 'delete') await ec2().send(new DeleteVolumeCommand({ VolumeId: id }));
    if (what === 'detach') await ec2().send(new DetachVolumeCommand({ VolumeId: id }));
    if (what === 'attach') await ec2().send(new AttachVolumeCommand({ VolumeId: id, InstanceId: attach[id!]?.trim(), Device: '/dev/sdf' }));
  }, () => vols.refresh());
  return (
    <>
      <h1>Volumes</h1>
      <Panel title={`EBS volumes (${vols.data?.length ?? '…'})`} testId="volumes" actions={
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void act.run('create'); }}>
          <input type="number" min={1} max={16384} value={size} onChange={(e) => setSize(Number(e.target.value))} style={{ width: 70 }} name="size" /> GiB in
          <select value={az} onChange={(e) => setAz(e.target.value)} name="az">
            {(zones.data ?? []).map((z) => <option key={z.ZoneName} value={z.ZoneName}>{z.ZoneName}</option>)}
          </select>
          <button type="submit" className="primary" disabled={act.busy}>Create volume</button>
        </form>
      }>
        <ErrorText error={vols.error ?? act.error} />
        <p className="muted">Attached volumes appear inside the instance at <code>/mnt/&lt;device&gt;</code> (<code>/dev/sdf</code> → <code>/mnt/sdf</code>).</p>
        {!vols.data ? <Loading /> : vols.data.length === 0 ? <Empty>No volumes.</Empty> : (
          <table>
            <thead><tr><th>Volume ID</th><th>State</th><th>Size</th><th>Type</th><th>AZ</th><th>Attached to</th><th>Created</th><th /></tr></thead>
            <tbody>
              {vols.data.map((v) => {
                const a = v.Attachments?.[0];
                return (
                  <tr key={v.VolumeId} data-volume={v.VolumeId}>
                    <td>{v.VolumeId}</td>
                    <td><State value={v.State} /></td>
                    <td>{v.Size} GiB</td>
                    <td>{v.VolumeType}</td>
                    <td>{v.AvailabilityZone}</td>
                    <td>{a ? <><Link to={`/instances/${a.InstanceId}`}>{a.InstanceId}</Link> {a.Device}</> : '–'}</td>
                    <td>{time(v.CreateTime)}</td>
                    <td className="row-actions">
                      {a ? <button onClick={() => act.run('detach', v.VolumeId)} disabled={act.busy}>Detach</button> : (
                        <>
                          <input placeholder="i-…" value={attach[v.VolumeId!] ?? ''} onChange={(e) => setAttach({ ...attach, [v.VolumeId!]: e.target.value })} style={{ width: 150 }} />
                          <button onClick={() => act.run('attach', v.VolumeId)} disabled={act.busy}>Attach as /dev/sdf</button>
                          <button className="danger" onClick={() => act.run('delete', v.VolumeId)} disabled={act.busy}>Delete</button>
                        </>
                      )}
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
