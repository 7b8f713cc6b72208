import {
  AuthorizeSecurityGroupIngressCommand, CreateImageCommand, CreateSecurityGroupCommand, DescribeImagesCommand, DescribeInstancesCommand,
  GetConsoleOutputCommand, RequestSpotInstancesCommand, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findLeftovers } from '../../src/drivers/process/cleanup.ts';
import { cleanupVmPrefix, findVmLeftovers, VM_INSTALL, vmPrerequisites } from '../../src/drivers/vm/index.ts';
import { VM_IMAGE_ID } from '../../src/services/ec2/catalog/images.ts';
import { Ec2Store } from '../../src/services/ec2/store.ts';
import { AMI, describe as describeInstance, execIn, WEB_SERVER, waitState } from '../support/ec2.ts';
import { b64, cleanupHostObjects, errorOf, eventually, httpGet, isRoot, startTestNimbus, TEST_NET_PREFIX, TEST_VPC_CIDR, type TestNimbus } from '../support/nimbus.ts';

// Per-AMI drivers (issue 8): one Nimbus whose default is the process driver runs instances of the microVM AMI
// (ami-0a0000000000000b1) as QEMU microVMs and every other AMI as processes, on one bridge and one metadata service.
// All traffic stays on loopback and this test's own bridge subnet (TEST_VPC_CIDR). The VM part is skipped, with the
// reason, where the VM driver cannot run (no QEMU, guest kernel or static busybox; not root); the "VM driver
// unavailable" part runs everywhere.

const missing = vmPrerequisites();
const prefix = `nbt${process.pid % 100000}`;
const bridge = `${prefix}-br0`;

/**
 * The VM's user data: busybox httpd with its hostname, and what it fetched from its peer (a process instance) with the
 * host's GNU wget (the guest sees the host userland; busybox's own wget crashes in the guest, see the report).
 */
const vmWeb = (peer: string) => `#!/bin/sh
mkdir -p /www
hostname > /www/index.html
( i=0; while [ $i -lt 120 ]; do wget -q -T 2 -O /www/peer.tmp http://${peer}/ && mv /www/peer.tmp /www/peer && break; i=$((i+1)); sleep 1; done ) &
exec busybox httpd -f -p 80 -h /www
`;

async function webGroup(ec2: EC2Client, name: string): Promise<string> {
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: 'per-AMI drivers test' }));
  // Only this test's own VPC range: the host (bridge gateway) and the other instance.
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({
    GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: TEST_VPC_CIDR }] }],
  }));
  return GroupId!;
}

async function run(ec2: EC2Client, image: string, userData: string, group: string) {
  const r = await ec2.send(new RunInstancesCommand({
    ImageId: image, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1, UserData: b64(userData), SecurityGroupIds: [group],
  }));
  const i = r.Instances![0]!;
  assert.ok(i.PrivateIpAddress!.startsWith(TEST_NET_PREFIX), `${i.PrivateIpAddress} is on the test bridge`);
  return { id: i.InstanceId!, ip: i.PrivateIpAddress! };
}

/** QEMU processes on the host whose command line names the instance (its run dir /run/<prefix>-vm/<id>). */
function qemuFor(id: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const argv = cmd.split('\0');
    if (argv[0]?.includes('qemu-system') && argv.some((a) => a.includes(id))) out.push(Number(p));
  }
  return out;
}

async function instanceCount(ec2: EC2Client): Promise<number> {
  const r = await ec2.send(new DescribeInstancesCommand({}));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).length;
}

describe('per-AMI drivers: process and VM instances on one server', { skip: missing.length ? `vm driver unavailable: ${missing.join('; ')} (install: ${VM_INSTALL})` : false }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-per-ami-'));
  let t: TestNimbus | undefined;
  /** Closes the server without stopping its instances (they live on, to be adopted). */
  const detach = async () => {
    const n = t!;
    t = undefined;
    n.ec2.destroy();
    await n.nimbus.close({ stopInstances: false });
  };
  before(async () => {
    t = await startTestNimbus({ dataDir });
  });
  after(async () => {
    await t?.close().catch(() => undefined);
    await cleanupVmPrefix(prefix, bridge);
    await cleanupHostObjects(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('process AMI → process, VM AMI → QEMU microVM; they talk; stop/start; adopted after a restart; refused without the VM driver', async () => {
    assert.equal(t!.nimbus.capabilities.driver, 'process', 'the server default is the process driver');
    const images = (await t!.ec2.send(new DescribeImagesCommand({ ImageIds: [VM_IMAGE_ID] }))).Images!;
    assert.equal(images[0]!.Name, 'nimbus/microvm-debian-x86_64');
    assert.match(images[0]!.Description!, /QEMU microvm/);

    const sg = await webGroup(t!.ec2, 'per-ami');
    const proc = await run(t!.ec2, AMI, WEB_SERVER, sg);
    const vm = await run(t!.ec2, VM_IMAGE_ID, vmWeb(proc.ip), sg);
    await waitState(t!.ec2, proc.id, 'running', 60_000);
    await waitState(t!.ec2, vm.id, 'running', 120_000);
    const host = (ip: string) => `ip-${ip.replace(/\./g, '-')}`;

    // Both answer on their private IPs.
    const p1 = await eventually(() => httpGet(`http://${proc.ip}/`), 'the process instance answering', 30_000);
    assert.equal(p1.body, `hello from ${host(proc.ip)}`);
    const v1 = await eventually(() => httpGet(`http://${vm.ip}/`), 'the VM instance answering', 60_000);
    assert.equal(v1.body.trim(), host(vm.ip));

    // The VM instance really is a VM: a QEMU process on the host names it, its kernel booted on its console, and its
    // kernel is the guest's (Debian cloud kernel), not the host's. The process instance has no QEMU.
    const [qemuPid] = qemuFor(vm.id);
    assert.ok(qemuPid, 'a qemu-system process for the VM instance');
    assert.deepEqual(qemuFor(proc.id), []);
    const uname = await execIn(t!.endpoint, vm.id, ['uname', '-r']);
    assert.match(uname.stdout, /cloud-amd64/);
    // Its init fetched the user data from the metadata service (IMDS at the bridge gateway, port 80, shared with the
    // process driver's instances).
    const consoleText = await eventually(async () => {
      const r = await t!.ec2.send(new GetConsoleOutputCommand({ InstanceId: vm.id, Latest: true }));
      const text = Buffer.from(r.Output ?? '', 'base64').toString();
      return text.includes('nimbus: running user data') ? text : undefined;
    }, 'the VM console output');
    assert.match(consoleText, new RegExp(`nimbus: booting ${vm.id} \\(.*\\) on \\S+-cloud-amd64`));
    assert.match(consoleText, /nimbus: user data from http:\/\/169\.254\.169\.254\/latest\/user-data/);

    // Across drivers: the VM fetched the process instance's page (its user data), the process instance reaches the VM.
    const peer = await eventually(() => httpGet(`http://${vm.ip}/peer`).then((r) => (r?.status === 200 ? r : undefined)), 'the VM to reach the process instance', 60_000);
    assert.equal(peer.body, `hello from ${host(proc.ip)}`);
    const fromProc = await eventually(async () => {
      const r = await execIn(t!.endpoint, proc.id, ['wget', '-q', '-T', '3', '-O', '-', `http://${vm.ip}/`]);
      return r.code === 0 ? r.stdout : undefined;
    }, 'the process instance to reach the VM', 30_000);
    assert.equal(fromProc.trim(), host(vm.ip));

    // Stop/Start of the VM instance: QEMU goes, a new one boots and serves again.
    await t!.ec2.send(new StopInstancesCommand({ InstanceIds: [vm.id] }));
    await waitState(t!.ec2, vm.id, 'stopped', 60_000);
    assert.deepEqual(qemuFor(vm.id), []);
    assert.equal(await httpGet(`http://${vm.ip}/`, 500), undefined);
    await t!.ec2.send(new StartInstancesCommand({ InstanceIds: [vm.id] }));
    await waitState(t!.ec2, vm.id, 'running', 120_000);
    assert.equal((await eventually(() => httpGet(`http://${vm.ip}/`), 'the VM answering after start', 60_000)).body.trim(), host(vm.ip));
    const [qemuPid2] = qemuFor(vm.id);
    assert.ok(qemuPid2 && qemuPid2 !== qemuPid, 'a new QEMU after StartInstances');

    // An image of the VM instance is a VM AMI too (DescribeImages unchanged).
    const { ImageId: vmImage } = await t!.ec2.send(new CreateImageCommand({ InstanceId: vm.id, Name: 'per-ami-vm-image', NoReboot: true }));
    await eventually(async () => {
      const r = await t!.ec2.send(new DescribeImagesCommand({ ImageIds: [vmImage!] }));
      return r.Images?.[0]?.State === 'available';
    }, 'the image to be available');
    assert.equal(new Ec2Store(t!.nimbus.db).image(vmImage!)?.driver, 'vm');

    // Nimbus goes away without stopping anything; a new one on the same data dir adopts both instances.
    await detach();
    assert.equal((await httpGet(`http://${proc.ip}/`))?.body, `hello from ${host(proc.ip)}`, 'the process instance outlives Nimbus');
    assert.equal((await httpGet(`http://${vm.ip}/`))?.body.trim(), host(vm.ip), 'the VM outlives Nimbus');
    t = await startTestNimbus({ dataDir });
    assert.equal(t.nimbus.reconciled.adopted, 2);
    assert.equal(t.nimbus.reconciled.rebooted, 0);
    assert.equal((await describeInstance(t.ec2, vm.id)).State?.Name, 'running');
    assert.equal((await describeInstance(t.ec2, proc.id)).State?.Name, 'running');
    assert.deepEqual(qemuFor(vm.id), [qemuPid2], 'the same QEMU, adopted');
    assert.equal((await httpGet(`http://${proc.ip}/`))?.body, `hello from ${host(proc.ip)}`);
    assert.equal((await httpGet(`http://${vm.ip}/`))?.body.trim(), host(vm.ip));
    const again = await execIn(t.endpoint, vm.id, ['uname', '-r']);
    assert.match(again.stdout, /cloud-amd64/, 'exec reaches the adopted VM');
    const fromProc2 = await execIn(t.endpoint, proc.id, ['wget', '-q', '-T', '3', '-O', '-', `http://${vm.ip}/`]);
    assert.equal(fromProc2.stdout.trim(), host(vm.ip));

    // Only the VM left running when Nimbus goes: the process driver must not delete the bridge its tap is plugged into.
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [proc.id] }));
    await waitState(t.ec2, proc.id, 'stopped', 30_000);
    await detach();
    assert.ok(readdirSync(`/sys/class/net/${bridge}/brif`).some((port) => port.startsWith(`t${prefix.slice(0, 8)}`)), 'the VM tap on the bridge');
    assert.equal((await httpGet(`http://${vm.ip}/`))?.body.trim(), host(vm.ip), 'the VM still reachable over the bridge');
    t = await startTestNimbus({ dataDir });
    assert.equal(t.nimbus.reconciled.adopted, 1);
    assert.deepEqual(qemuFor(vm.id), [qemuPid2]);

    // Stopped, then the server comes back without the VM driver (NIMBUS_VM=off): the VM instance cannot start and new
    // VM-AMI instances are refused with AWS's `Unsupported` (nothing is created).
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [vm.id] }));
    await waitState(t.ec2, vm.id, 'stopped', 60_000);
    await detach();
    process.env.NIMBUS_VM = 'off';
    try {
      t = await startTestNimbus({ dataDir });
    } finally {
      delete process.env.NIMBUS_VM;
    }
    assert.equal(t.nimbus.reconciled.adopted, 0);
    const startErr = await errorOf(t.ec2.send(new StartInstancesCommand({ InstanceIds: [vm.id] })));
    assert.equal(startErr.name, 'Unsupported');
    assert.match(startErr.message, /^The requested configuration is currently not supported\..*NIMBUS_VM=off/);
    assert.equal((await describeInstance(t.ec2, vm.id)).State?.Name, 'stopped', 'left stopped, not booted and failed');
    const before = await instanceCount(t.ec2);
    const runErr = await errorOf(run(t.ec2, vmImage!, '#!/bin/sh\n', sg));
    assert.equal(runErr.name, 'Unsupported');
    assert.equal(await instanceCount(t.ec2), before, 'no instance row was created');

    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [vm.id, proc.id] }));
    await waitState(t.ec2, vm.id, 'terminated', 30_000);
    await waitState(t.ec2, proc.id, 'terminated', 30_000);
    assert.equal(await httpGet(`http://${proc.ip}/`, 500), undefined);
    await t.close();
    t = undefined;

    // Nothing left: no QEMU, tap, VM run dir or firewall chain; no netns, veth or cgroup; the bridge is gone.
    const vmLeft = await findVmLeftovers(prefix);
    assert.deepEqual(vmLeft, { processes: [], taps: [], runDirs: [], chains: [] });
    const left = await findLeftovers(prefix, bridge);
    assert.deepEqual(left, { netns: [], veths: [], cgroups: [], bridge: false });
  });
});

describe('per-AMI drivers: the VM driver unavailable', () => {
  /** A server started with env (restored afterwards), closed after fn whatever happens. */
  async function withServer(env: Record<string, string>, fn: (t: TestNimbus) => Promise<void>): Promise<void> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    let t: TestNimbus;
    try {
      t = await startTestNimbus();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    try {
      await fn(t);
    } finally {
      await t.close();
    }
  }
  after(async () => {
    await cleanupHostObjects(prefix);
    if (isRoot) await cleanupVmPrefix(prefix, bridge);
  });

  test('NIMBUS_VM=off: RunInstances of the VM AMI is `Unsupported` before any instance exists; the process AMI still runs', async () => {
    await withServer({ NIMBUS_VM: 'off' }, async (t) => {
      assert.match(t.nimbus.capabilities.warnings.join('\n'), /the vm driver is unavailable: turned off \(NIMBUS_VM=off\)/);
      // The AMI is listed all the same (DescribeImages does not depend on the host).
      const img = (await t.ec2.send(new DescribeImagesCommand({ ImageIds: [VM_IMAGE_ID] }))).Images![0]!;
      assert.equal(img.Name, 'nimbus/microvm-debian-x86_64');

      const err = await errorOf(t.ec2.send(new RunInstancesCommand({ ImageId: VM_IMAGE_ID, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1 })));
      assert.equal(err.name, 'Unsupported');
      assert.equal(err.status, 400);
      assert.match(err.message, /^The requested configuration is currently not supported\. Please check the documentation for supported configurations\. Image ami-0a0000000000000b1 runs its instances on the vm driver, which this Nimbus cannot run: turned off \(NIMBUS_VM=off\)/);
      assert.equal(await instanceCount(t.ec2), 0, 'no instance row, not even a pending one');
      // A spot request for it is refused up front too, not at fulfilment.
      const spot = await errorOf(t.ec2.send(new RequestSpotInstancesCommand({ LaunchSpecification: { ImageId: VM_IMAGE_ID, InstanceType: 't3.nano' } })));
      assert.equal(spot.name, 'Unsupported');

      const sg = await webGroup(t.ec2, 'per-ami-off');
      const inst = await run(t.ec2, AMI, WEB_SERVER, sg);
      await waitState(t.ec2, inst.id, 'running', 60_000);
      if (isRoot) {
        assert.match((await eventually(() => httpGet(`http://${inst.ip}/`), 'the process instance answering', 30_000)).body, /^hello from ip-/);
        assert.deepEqual(qemuFor(inst.id), []);
      }
    });
  });

  test('without QEMU: the start-up warning and the error name what is missing and the install command', async () => {
    await withServer({ NIMBUS_VM_QEMU: '/nonexistent/qemu-system-x86_64' }, async (t) => {
      const warning = t.nimbus.capabilities.warnings.find((w) => w.startsWith('the vm driver is unavailable'));
      assert.ok(warning, `a start-up warning (got ${t.nimbus.capabilities.warnings.join(' | ')})`);
      assert.ok(warning.includes(`Install: ${VM_INSTALL}`), warning);
      const err = await errorOf(t.ec2.send(new RunInstancesCommand({ ImageId: VM_IMAGE_ID, MinCount: 1, MaxCount: 1 })));
      assert.equal(err.name, 'Unsupported');
      assert.ok(err.message.includes(`Install: ${VM_INSTALL}`), err.message);
      assert.equal(await instanceCount(t.ec2), 0);
    });
  });
});
