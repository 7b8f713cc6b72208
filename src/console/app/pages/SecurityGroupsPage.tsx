// Security groups and their ingress rules (enforced with nftables inside each instance's namespace).
import { useState } from 'react';
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client,
  RevokeSecurityGroupIngressCommand, type IpPermission,
} from '@aws-sdk/client-ec2';
import { client } from '../aws.ts';
import { Empty, ErrorText, Loading, Panel } from '../components/ui.tsx';
import { usePoll, useAction } from '../poll.ts';

const ec2 = () => client(EC2Client);

function describeRule(p: IpPermission): string[] {
  const ports = p.IpProtocol === '-1' ? 'all traffic' : `${p.IpProtocol} ${p.FromPort === p.ToPort ? p.FromPort : `${p.FromPort}-${p.ToPort}`}`;
  return [
    ...(p.IpRanges ?? []).map((r) => `${ports} from ${r.CidrIp}`),
    ...(p.UserIdGroupPairs ?? []).map((g) => `${ports} from ${g.GroupId}`),
  ];
}

export default function SecurityGroupsPage() {
  const groups = usePoll(async () => (await ec2().send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [], []);
  const [name, setName] = useState('');
  const [rule, setRule] = useState<Record<string, { port: string; cidr: string }>>({});
  const act = useAction(async (what: string, id?: string, perm?: IpPermission) => {
    if (what === 'create') await ec2().send(new CreateSecurityGroupCommand({ GroupName: name, Description: name }));
    if (what === 'delete') await ec2().send(new DeleteSecurityGroupCommand({ GroupId: id }));
    if (what === 'revoke') await ec2().send(new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [perm!] }));
    if (what === 'allow') {
      const r = rule[id!] ?? { port: '80', cidr: '0.0.0.0/0' };
      const port = Number(r.port || 80);
      await ec2().send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: r.cidr || '0.0.0.0/0' }] }] }));
    }
  }, () => groups.refresh());
  return (
    <>
      <h1>Security groups</h1>
      <Panel title={`Security groups (${groups.data?.length ?? '…'})`} testId="security-groups" actions={
        <form className="inline" onSubmit={(e) => { e.preventDefault(); void act.run('create'); }}>
          <input placeholder="group name" value={name} onChange={(e) => setName(e.target.value)} name="groupName" />
          <button type="submit" className="primary" disabled={act.busy || !name}>Create group</button>
        </form>
      }>
        <ErrorText error={groups.error ?? act.error} />
        {!groups.data ? <Loading /> : groups.data.length === 0 ? <Empty>No security groups.</Empty> : (
          <table>
            <thead><tr><th>Name</th><th>Group ID</th><th>VPC</th><th>Inbound rules</th><th>Add inbound TCP rule</th><th /></tr></thead>
            <tbody>
              {groups.data.map((g) => {
                const r = rule[g.GroupId!] ?? { port: '80', cidr: '0.0.0.0/0' };
                return (
                  <tr key={g.GroupId} data-group={g.GroupName}>
                    <td className="wrap">{g.GroupName}<div className="muted small">{g.Description}</div></td>
                    <td>{g.GroupId}</td>
                    <td>{g.VpcId}</td>
                    <td>
                      {(g.IpPermissions ?? []).length === 0 ? <span className="muted">none (nothing may come in)</span> : (g.IpPermissions ?? []).map((p, n) => (
                        <div key={n} className="rule">
                          {describeRule(p).join('; ')} <button className="link" onClick={() => act.run('revoke', g.GroupId, p)}>revoke</button>
                        </div>
                      ))}
                    </td>
                    <td className="row-actions">
                      <input value={r.port} onChange={(e) => setRule({ ...rule, [g.GroupId!]: { ...r, port: e.target.value } })} style={{ width: 60 }} aria-label="port" />
                      <input value={r.cidr} onChange={(e) => setRule({ ...rule, [g.GroupId!]: { ...r, cidr: e.target.value } })} style={{ width: 110 }} aria-label="cidr" />
                      <button onClick={() => act.run('allow', g.GroupId)} disabled={act.busy}>Allow</button>
                    </td>
                    <td>{g.GroupName !== 'default' && <button className="danger" onClick={() => act.run('delete', g.GroupId)} disabled={act.busy}>Delete</button>}</td>
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
