import {
  AttachVolumeCommand, CreateImageCommand, CreateVolumeCommand, DescribeImagesCommand, DetachVolumeCommand, RunInstancesCommand, StartInstancesCommand,
  StopInstancesCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanupVmPrefix, VM_INSTALL, vmPrerequisites } from '../../src/drivers/vm/index.ts';
import { VM_IMAGE_ID } from '../../src/services/ec2/catalog/images.ts';
import { AMI, execIn, launch, waitState } from '../support/ec2.ts';
import { eventually, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// EBS volumes on the VM driver are disks: the root volume and every attached volume are SCSI disks
// on the VM's virtio-scsi bus (serial = the volume id), linked under their API device name and
// mounted; their files go back into the volume when it is detached, when the instance stops and
// when CreateImage snapshots a running instance. Through @aws-sdk/client-ec2. Skipped, with the
// reason, where the VM driver cannot run.

const missing = vmPrerequisites();

describe('EBS volumes as disks on the VM driver', { skip: missing.length ? `vm driver unavailable: ${missing.join('; ')} (install: ${VM_INSTALL})` : false }, () => {
  let t: TestNimbus;
  const prefix = `nbt${process.pid % 100000}`;
  before(async () => {
    t = await startTestNimbus({ driver: 'vm' });
  });
  after(async () => {
    await t?.close();
    await cleanupVmPrefix(prefix, `${prefix}-br0`);
  });

  const sh = async (id: string, script: string) => {
    const r = await execIn(t.endpoint, id, ['sh', '-c', script]);
    assert.equal(r.code, 0, `${script}: ${r.stderr}`);
    return r.stdout.trim();
  };

  test('root and data volumes are block devices; files move between instances and into images', async () => {
    assert.equal(t.nimbus.capabilities.driver, 'vm');
    const [a] = await launch(t.ec2, { type: 't3.nano' });
    const idA = a!.InstanceId!;
    await waitState(t.ec2, idA, 'running', 120_000);

    // The root volume (/dev/xvda) is a disk with an ext4 filesystem mounted at /root.
    assert.equal(await sh(idA, 'test -b /dev/xvda && echo block'), 'block');
    // (the last mount on /root: init's tmpfs is underneath)
    assert.match(await sh(idA, `awk '$2=="/root" {print $1, $3}' /proc/mounts | tail -1`), /^\/dev\/sd[a-z] ext4$/);

    // CreateVolume + AttachVolume on the running VM: a 2 GiB disk appears as /dev/sdf, serial = volume id, mounted.
    const vol = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: a!.Placement!.AvailabilityZone!, Size: 2 }));
    const volId = vol.VolumeId!;
    await t.ec2.send(new AttachVolumeCommand({ VolumeId: volId, InstanceId: idA, Device: '/dev/sdf' }));
    assert.equal(await sh(idA, 'test -b /dev/sdf && echo block'), 'block');
    assert.equal(await sh(idA, 'blockdev --getsize64 /dev/sdf'), String(2 * 1024 ** 3));
    const disk = await sh(idA, 'basename "$(readlink -f /dev/sdf)"');
    assert.match(await sh(idA, `cat /sys/block/${disk}/device/vpd_pg80 | tr -cd '[:alnum:]'`), new RegExp(volId.replace('-', '')));
    assert.equal(await sh(idA, `awk '$2=="/mnt/sdf" {print $1, $3}' /proc/mounts`), `/dev/${disk} ext4`);
    await sh(idA, 'echo "written in A" > /mnt/sdf/data.txt && echo root-marker > /root/marker');
    // The guest owns the disk: block-level access works (the ext4 superblock magic 0xEF53 at byte 1080).
    assert.equal(await sh(idA, 'dd if=/dev/sdf bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1 | tr -d " "'), '53ef');

    // CreateImage of the running VM: the snapshot holds what was written (the guest filesystems are frozen for the copy).
    const { ImageId } = await t.ec2.send(new CreateImageCommand({ InstanceId: idA, Name: 'vm-with-marker', NoReboot: true }));
    await eventually(async () => (await t.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images?.[0]?.State === 'available', 'image available', 30_000);
    assert.equal(await sh(idA, 'cat /root/marker && echo more >> /mnt/sdf/data.txt && tail -1 /mnt/sdf/data.txt'), 'root-marker\nmore', 'still writable after the snapshot');

    // Detach: the files are in the volume (its directory) afterwards, and gone from A.
    await t.ec2.send(new DetachVolumeCommand({ VolumeId: volId }));
    assert.equal(readFileSync(join(t.dataDir, 'volumes', volId, 'data.txt'), 'utf8'), 'written in A\nmore\n');
    assert.equal(await sh(idA, 'test -e /dev/sdf && echo present || echo absent; grep -c /mnt/sdf /proc/mounts || true'), 'absent\n0');

    // A second VM from the image: its root volume came from A's snapshot; the data volume attaches to it as /dev/sdg.
    const b = (await t.ec2.send(new RunInstancesCommand({ ImageId, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: a!.Placement!.AvailabilityZone } }))).Instances![0]!;
    const idB = b.InstanceId!;
    await waitState(t.ec2, idB, 'running', 120_000);
    assert.equal(await sh(idB, 'cat /root/marker'), 'root-marker');
    await t.ec2.send(new AttachVolumeCommand({ VolumeId: volId, InstanceId: idB, Device: '/dev/sdg' }));
    assert.equal(await sh(idB, 'cat /mnt/sdg/data.txt'), 'written in A\nmore');
    await sh(idB, 'echo "written in B" >> /mnt/sdg/data.txt');

    // Stop/start: written before the stop, there after the start (the disk's files went back at stop, a new disk at boot).
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [idB] }));
    await waitState(t.ec2, idB, 'stopped', 60_000);
    assert.match(readFileSync(join(t.dataDir, 'volumes', volId, 'data.txt'), 'utf8'), /written in B\n$/);
    await t.ec2.send(new StartInstancesCommand({ InstanceIds: [idB] }));
    await waitState(t.ec2, idB, 'running', 120_000);
    assert.equal(await sh(idB, 'tail -1 /mnt/sdg/data.txt'), 'written in B');

    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [idA, idB] }));
    await waitState(t.ec2, idA, 'terminated', 60_000);
    await waitState(t.ec2, idB, 'terminated', 60_000);
    const disks = join(t.dataDir, 'vm-disks');
    assert.deepEqual(existsSync(disks) ? readdirSync(disks) : [], [], 'no disk image is left once no VM uses it');
  });
});

describe('a volume moves between a VM and a process instance (per-AMI drivers)', { skip: missing.length ? `vm driver unavailable: ${missing.join('; ')} (install: ${VM_INSTALL})` : false }, () => {
  let t: TestNimbus;
  const prefix = `nbt${process.pid % 100000}`;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
    await cleanupVmPrefix(prefix, `${prefix}-br0`);
  });

  test('written in the VM (on a disk), read and extended in the process instance (a directory), back in the VM', async () => {
    const run = async (ImageId: string, AvailabilityZone?: string) => (await t.ec2.send(new RunInstancesCommand({
      ImageId, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1, ...(AvailabilityZone ? { Placement: { AvailabilityZone } } : {}),
    }))).Instances![0]!;
    const vm = await run(VM_IMAGE_ID);
    const az = vm.Placement!.AvailabilityZone!;
    const proc = await run(AMI, az);
    await waitState(t.ec2, vm.InstanceId!, 'running', 120_000);
    await waitState(t.ec2, proc.InstanceId!, 'running', 30_000);
    const sh = async (id: string, script: string) => {
      const r = await execIn(t.endpoint, id, ['sh', '-c', script]);
      assert.equal(r.code, 0, `${script}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const volId = (await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 1 }))).VolumeId!;
    const attach = (InstanceId: string) => t.ec2.send(new AttachVolumeCommand({ VolumeId: volId, InstanceId, Device: '/dev/sdf' }));
    const detach = () => t.ec2.send(new DetachVolumeCommand({ VolumeId: volId }));

    await attach(vm.InstanceId!);
    assert.equal(await sh(vm.InstanceId!, 'test -b /dev/sdf && echo disk'), 'disk');
    await sh(vm.InstanceId!, 'echo from-vm > /mnt/sdf/log');
    await detach();
    await attach(proc.InstanceId!);
    assert.equal(await sh(proc.InstanceId!, 'test -b /dev/sdf && echo disk || echo directory'), 'directory');
    assert.equal(await sh(proc.InstanceId!, 'echo from-process >> /mnt/sdf/log && cat /mnt/sdf/log'), 'from-vm\nfrom-process');
    await detach();
    await attach(vm.InstanceId!);
    assert.equal(await sh(vm.InstanceId!, 'cat /mnt/sdf/log'), 'from-vm\nfrom-process');
    await detach();
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [vm.InstanceId!, proc.InstanceId!] }));
    await waitState(t.ec2, vm.InstanceId!, 'terminated', 60_000);
  });
});
