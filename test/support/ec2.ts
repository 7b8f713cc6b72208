import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeInstancesCommand, RunInstancesCommand,
  type EC2Client, type Instance, type _InstanceType,
} from '@aws-sdk/client-ec2';
import { b64, eventually } from './nimbus.ts';

export const AMI = 'ami-0a0000000000000a1';

/** A user-data script that serves HTTP on port 80 with a node one-liner (answers with its hostname). */
export const WEB_SERVER = `#!/bin/sh
exec node -e 'require("http").createServer((q,s)=>s.end("hello from "+require("os").hostname())).listen(80)'
`;

export async function openGroup(ec2: EC2Client, name: string, ports: number[]): Promise<string> {
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: `test ${name}` }));
  if (ports.length) {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId, IpPermissions: ports.map((p) => ({ IpProtocol: 'tcp', FromPort: p, ToPort: p, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })),
    }));
  }
  return GroupId!;
}

export async function launch(ec2: EC2Client, opts: { userData?: string; type?: string; groups?: string[]; count?: number } = {}): Promise<Instance[]> {
  const res = await ec2.send(new RunInstancesCommand({
    ImageId: AMI, InstanceType: (opts.type ?? 't3.micro') as _InstanceType, MinCount: opts.count ?? 1, MaxCount: opts.count ?? 1,
    UserData: opts.userData ? b64(opts.userData) : undefined, SecurityGroupIds: opts.groups,
  }));
  return res.Instances!;
}

export async function describe(ec2: EC2Client, id: string): Promise<Instance> {
  const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return r.Reservations![0].Instances![0];
}

export async function waitState(ec2: EC2Client, id: string, state: string, timeoutMs = 15_000): Promise<Instance> {
  return eventually(async () => {
    const i = await describe(ec2, id);
    return i.State?.Name === state ? i : undefined;
  }, `${id} to be ${state}`, timeoutMs);
}

/** Runs a command inside an instance through Nimbus's exec endpoint (what `nimbus exec` uses). */
export async function execIn(endpoint: string, id: string, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const res = await fetch(`${endpoint}/_nimbus/instances/${id}/exec`, { method: 'POST', body: JSON.stringify({ argv }) });
  if (!res.ok) throw new Error(`exec failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { code: number | null; stdout: string; stderr: string };
}
