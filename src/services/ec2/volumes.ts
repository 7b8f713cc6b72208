import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { paginate } from './domain/paginate.ts';
import {
  IncorrectState, InvalidAttachmentNotFound, InvalidParameterValue, InvalidVolumeNotFound, InvalidVolumeZoneMismatch, InvalidZoneNotFound,
  MissingParameter, VolumeInUse, IncorrectInstanceState,
} from './errors.ts';
import { findInstances } from './instances/describe.ts';
import { volumeDir, volumeMount } from './instances/lifecycle.ts';
import { AZ_LETTERS } from './network.ts';
import type { VolumeRow } from './store.ts';
import { applyTagSpecifications, type TagSpecification } from './tags.ts';

// EBS volumes are directories under <data-dir>/volumes/<id>. Attached, they appear inside the instance
// at /mnt/<device> (e.g. /dev/sdf → /mnt/sdf), already formatted and mounted.
// AWS: a raw block device the OS must format and mount. Here: a mounted directory with the process driver,
// which has no block layer; the VM driver makes it a real disk (ext4, virtio-scsi) while attached (drivers/vm/block.ts).

const SIZE_LIMITS: Record<string, [number, number]> = { gp2: [1, 16384], gp3: [1, 16384], io1: [4, 16384], io2: [4, 65536], st1: [125, 16384], sc1: [125, 16384], standard: [1, 1024] };

function findVolume(d: Ec2Deps, s: Scope, id: string): VolumeRow {
  const v = d.store.volume(id);
  if (!v || v.account !== s.account || v.region !== s.region) throw new InvalidVolumeNotFound(`The volume '${id}' does not exist.`);
  return v;
}

function shape(d: Ec2Deps, v: VolumeRow) {
  return {
    VolumeId: v.id, Size: v.size_gib, AvailabilityZone: v.az, State: v.state, CreateTime: new Date(v.created_at), VolumeType: v.volume_type,
    Iops: v.iops ?? undefined, Encrypted: false, MultiAttachEnabled: false,
    Attachments: v.instance_id ? [{
      VolumeId: v.id, InstanceId: v.instance_id, Device: v.device!, State: v.attach_state!, AttachTime: new Date(v.attach_time ?? v.created_at),
      DeleteOnTermination: v.delete_on_termination === 1,
    }] : [],
    Tags: d.store.tagsOf(v.id).map((t) => ({ Key: t.key, Value: t.value })),
  };
}

function attachment(v: VolumeRow, state: string) {
  return { VolumeId: v.id, InstanceId: v.instance_id!, Device: v.device!, State: state, AttachTime: new Date(v.attach_time ?? v.created_at), DeleteOnTermination: v.delete_on_termination === 1 };
}

export function volumeHandlers(d: Ec2Deps) {
  return {
    CreateVolume(input: { AvailabilityZone?: string; Size?: number; VolumeType?: string; Iops?: number; SnapshotId?: string; TagSpecifications?: TagSpecification[] }, ctx: Scope) {
      if (!input.AvailabilityZone) throw new MissingParameter('The request must contain the parameter availabilityZone');
      if (!AZ_LETTERS.some((l) => `${ctx.region}${l}` === input.AvailabilityZone)) throw new InvalidZoneNotFound(`The zone '${input.AvailabilityZone}' does not exist.`);
      if (input.SnapshotId) throw new InvalidParameterValue('Snapshots are not supported by Nimbus yet; create an empty volume');
      if (input.Size === undefined) throw new MissingParameter('The request must contain the parameter size or snapshotId');
      const type = input.VolumeType ?? 'gp2';
      const limits = SIZE_LIMITS[type];
      if (!limits) throw new InvalidParameterValue(`Value (${type}) for parameter volumeType is invalid.`);
      if (input.Size < limits[0] || input.Size > limits[1]) throw new InvalidParameterValue(`Volume of ${input.Size}GiB is out of range for ${type}: ${limits[0]}-${limits[1]}GiB.`);
      const v: VolumeRow = {
        id: d.ids.next('vol'), account: ctx.account, region: ctx.region, az: input.AvailabilityZone, size_gib: input.Size, volume_type: type,
        iops: input.Iops ?? (type === 'gp3' ? 3000 : type === 'gp2' ? Math.max(100, Math.min(16000, input.Size * 3)) : null),
        state: 'available', created_at: d.clock.now(), instance_id: null, device: null, attach_state: null, attach_time: null, delete_on_termination: 0,
      };
      d.store.tx(() => {
        d.store.insertVolume(v);
        applyTagSpecifications(d, ctx, v.id, 'volume', input.TagSpecifications);
      });
      volumeDir(d, v.id);
      return shape(d, v);
    },
    DeleteVolume(input: { VolumeId: string }, ctx: Scope) {
      const v = findVolume(d, ctx, input.VolumeId);
      if (v.instance_id) throw new VolumeInUse(`Volume ${v.id} is currently attached to ${v.instance_id}`);
      d.store.deleteVolume(v.id);
      rmSync(join(d.dataDir, 'volumes', v.id), { recursive: true, force: true });
      return {};
    },
    DescribeVolumes(input: { VolumeIds?: string[]; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      let vols = d.store.volumes(ctx);
      for (const id of input.VolumeIds ?? []) findVolume(d, ctx, id);
      if (input.VolumeIds?.length) vols = vols.filter((v) => input.VolumeIds!.includes(v.id));
      vols = applyFilters(vols, input.Filters, {
        'volume-id': (v) => v.id, status: (v) => v.state, 'availability-zone': (v) => v.az, size: (v) => v.size_gib, 'volume-type': (v) => v.volume_type,
        'attachment.instance-id': (v) => v.instance_id, 'attachment.device': (v) => v.device, 'attachment.status': (v) => v.attach_state,
        'attachment.delete-on-termination': (v) => v.delete_on_termination === 1,
      }, (v) => d.store.tagsOf(v.id));
      const { page, next } = paginate(vols, input.MaxResults, input.NextToken, { min: 5, max: 500 });
      return { Volumes: page.map((v) => shape(d, v)), NextToken: next };
    },
    async AttachVolume(input: { VolumeId: string; InstanceId: string; Device: string }, ctx: Scope) {
      const v = findVolume(d, ctx, input.VolumeId);
      const [inst] = findInstances(d, ctx, [input.InstanceId]);
      if (v.state !== 'available') throw new VolumeInUse(`${v.id} is already attached to an instance`);
      if (v.az !== inst.az) throw new InvalidVolumeZoneMismatch(`The volume '${v.id}' is not in the same availability zone as instance '${inst.id}'`);
      if (inst.state !== 'running' && inst.state !== 'stopped') throw new IncorrectInstanceState(`Instance '${inst.id}' is not 'running' or 'stopped'.`);
      if (!/^\/dev\/(sd[b-z]|xvd[b-z]|sd[b-z][0-9]?|xvd[b-z][a-z]?)$/.test(input.Device ?? '')) throw new InvalidParameterValue(`Value (${input.Device}) for parameter device is invalid. ${input.Device} is not a valid EBS device name.`);
      if (d.store.volumesOf(inst.id).some((x) => x.device === input.Device)) throw new InvalidParameterValue(`Attachment point ${input.Device} is already in use`);
      const now = d.clock.now();
      d.store.updateVolume(v.id, { state: 'in-use', instance_id: inst.id, device: input.Device, attach_state: 'attached', attach_time: now });
      const attached = d.store.volume(v.id)!;
      if (d.compute.isRunning(inst.id)) await d.compute.driver.attachVolume(inst.id, volumeMount(d, attached));
      return attachment(attached, 'attaching');
    },
    async DetachVolume(input: { VolumeId: string; InstanceId?: string; Device?: string; Force?: boolean }, ctx: Scope) {
      const v = findVolume(d, ctx, input.VolumeId);
      if (!v.instance_id || (input.InstanceId && input.InstanceId !== v.instance_id)) {
        throw new InvalidAttachmentNotFound(`Volume '${v.id}' is not attached to instance '${input.InstanceId ?? ''}'`);
      }
      if (v.device === '/dev/xvda') throw new IncorrectState(`Unable to detach root volume '${v.id}' from instance '${v.instance_id}'`);
      if (d.compute.isRunning(v.instance_id)) await d.compute.driver.detachVolume(v.instance_id, volumeMount(d, v));
      const out = attachment(v, 'detaching');
      d.store.updateVolume(v.id, { state: 'available', instance_id: null, device: null, attach_state: null, attach_time: null });
      return out;
    },
  };
}
