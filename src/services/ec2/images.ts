import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_IMAGES, BUILTIN_OWNER } from './catalog/images.ts';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { assertAllowed, type InstanceState } from './domain/instance-state.ts';
import { InvalidAMIIDMalformed, InvalidAMIIDNotFound, InvalidAMINameDuplicate, InvalidParameterValue, Unsupported } from './errors.ts';
import { findInstances } from './instances/describe.ts';
import { volumeDir } from './instances/lifecycle.ts';
import type { ImageRow } from './store.ts';
import { applyTagSpecifications, type TagSpecification } from './tags.ts';

// CreateImage really captures the instance: its volumes' contents are copied into a snapshot
// directory, and instances launched from the image start with copies of them.

function builtins(): ImageRow[] {
  return BUILTIN_IMAGES.map((b) => ({
    id: b.id, account: null, region: null, owner: BUILTIN_OWNER, name: b.name, description: b.description, state: 'available',
    architecture: b.architecture, platform_details: 'Linux/UNIX', source_instance_id: null, source_image_id: null, snapshot_dir: null, created_at: Date.UTC(2026, 0, 1),
    driver: b.driver ?? null,
  }));
}

/**
 * Instances of an image that names a driver this Nimbus cannot run (the VM AMI without QEMU, or with NIMBUS_VM=off) are
 * refused before anything is created. AWS answers `Unsupported` for a configuration it cannot run; the message says why.
 */
export function assertDriverAvailable(d: Ec2Deps, driver: string | null | undefined, imageId: string): void {
  if (!driver) return;
  const why = d.driverUnavailable?.(driver);
  if (!why) return;
  throw new Unsupported(
    'The requested configuration is currently not supported. Please check the documentation for supported configurations. '
    + `Image ${imageId} runs its instances on the ${driver} driver, which this Nimbus cannot run: ${why}`,
  );
}

export function findImage(d: Ec2Deps, s: Scope, id: string): ImageRow {
  if (!/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new InvalidAMIIDMalformed(`Invalid id: "${id}" (expecting "ami-...")`);
  const img = builtins().find((b) => b.id === id) ?? d.store.image(id);
  if (!img || (img.account && (img.account !== s.account || img.region !== s.region))) throw new InvalidAMIIDNotFound(`The image id '[${id}]' does not exist`);
  if (img.state !== 'available') throw new InvalidParameterValue(`The image '${id}' is not available (state: ${img.state})`);
  return img;
}

/** Seeds a new instance's root volume from its image snapshot, if the image has one. */
export function seedRootVolume(d: Ec2Deps, imageId: string, volumeId: string): void {
  const img = d.store.image(imageId);
  const src = img?.snapshot_dir ? join(img.snapshot_dir, 'xvda') : undefined;
  if (src && existsSync(src)) cpSync(src, volumeDir(d, volumeId), { recursive: true });
}

function shape(d: Ec2Deps, i: ImageRow) {
  return {
    ImageId: i.id, Name: i.name, Description: i.description ?? undefined, State: i.state, OwnerId: i.account ?? '137112412989',
    ImageOwnerAlias: i.account ? undefined : BUILTIN_OWNER, Public: !i.account, Architecture: i.architecture, ImageType: 'machine',
    PlatformDetails: i.platform_details, UsageOperation: 'RunInstances', RootDeviceType: 'ebs', RootDeviceName: '/dev/xvda',
    VirtualizationType: 'hvm', Hypervisor: 'xen', EnaSupport: true, BootMode: 'uefi-preferred', CreationDate: new Date(i.created_at).toISOString(),
    ImageLocation: i.account ? `${i.account}/${i.name}` : `amazon/${i.name}`,
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, VolumeSize: 8, VolumeType: 'gp3', Encrypted: false } }],
    Tags: d.store.tagsOf(i.id).map((t) => ({ Key: t.key, Value: t.value })),
  };
}

export function imageHandlers(d: Ec2Deps) {
  return {
    DescribeImages(input: { ImageIds?: string[]; Owners?: string[]; Filters?: FilterInput[]; ExecutableUsers?: string[] }, ctx: Scope) {
      let images = [...builtins(), ...d.store.images(ctx)];
      for (const id of input.ImageIds ?? []) findImageAnyState(d, ctx, id);
      if (input.ImageIds?.length) images = images.filter((i) => input.ImageIds!.includes(i.id));
      if (input.Owners?.length) {
        images = images.filter((i) => input.Owners!.some((o) => (o === 'self' ? i.account === ctx.account : o === 'amazon' ? !i.account : o === (i.account ?? '137112412989'))));
      }
      images = applyFilters(images, input.Filters, {
        'image-id': (i) => i.id, name: (i) => i.name, state: (i) => i.state, 'owner-id': (i) => i.account ?? '137112412989',
        'owner-alias': (i) => (i.account ? undefined : BUILTIN_OWNER), architecture: (i) => i.architecture, 'is-public': (i) => !i.account,
        'image-type': () => 'machine', 'root-device-type': () => 'ebs', 'virtualization-type': () => 'hvm', 'platform-details': (i) => i.platform_details,
      }, (i) => d.store.tagsOf(i.id));
      return { Images: images.map((i) => shape(d, i)) };
    },
    async CreateImage(input: { InstanceId: string; Name: string; Description?: string; NoReboot?: boolean; TagSpecifications?: TagSpecification[] }, ctx: Scope) {
      const [inst] = findInstances(d, ctx, [input.InstanceId]);
      assertAllowed('create-image', inst.id, inst.state as InstanceState);
      if (!/^[a-zA-Z0-9()[\] ./\-'@_]{3,128}$/.test(input.Name ?? '')) {
        throw new InvalidParameterValue(`AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`);
      }
      if (d.store.imageByName(ctx, input.Name)) throw new InvalidAMINameDuplicate(`AMI name ${input.Name} is already in use by AMI ${d.store.imageByName(ctx, input.Name)!.id}`);
      const id = d.ids.next('ami');
      const snapshotDir = join(d.dataDir, 'snapshots', id);
      d.store.tx(() => {
        d.store.insertImage({
          id, account: ctx.account, region: ctx.region, owner: ctx.account, name: input.Name, description: input.Description ?? null, state: 'pending',
          architecture: 'x86_64', platform_details: 'Linux/UNIX', source_instance_id: inst.id, source_image_id: inst.image_id, snapshot_dir: snapshotDir,
          created_at: d.clock.now(),
          // Instances of the new image run where the source instance runs (a VM AMI's images stay VM AMIs).
          driver: inst.driver ?? null,
        });
        applyTagSpecifications(d, ctx, id, 'image', input.TagSpecifications);
      });
      // AWS: the snapshot is taken while the API answers 'pending'; copying a few directories is quick here.
      setImmediate(async () => {
        try {
          // AWS: CreateImage reboots the instance unless NoReboot, for a consistent snapshot. Here: drivers whose volumes
          // are disks (vm) freeze the guest filesystems and copy them back first; a directory volume is always current.
          await d.compute.driver.flushVolumes?.(inst.id);
          mkdirSync(snapshotDir, { recursive: true });
          for (const v of d.store.volumesOf(inst.id)) {
            cpSync(volumeDir(d, v.id), join(snapshotDir, (v.device ?? v.id).replace(/^\/dev\//, '')), { recursive: true });
          }
          d.store.setImageState(id, 'available');
        } catch (err) {
          d.log.error({ err, id }, 'CreateImage failed');
          d.store.setImageState(id, 'failed');
        }
      });
      return { ImageId: id };
    },
    DeregisterImage(input: { ImageId: string }, ctx: Scope) {
      const img = findImageAnyState(d, ctx, input.ImageId);
      if (!img.account) throw new InvalidAMIIDNotFound(`The image id '[${img.id}]' does not exist`);
      d.store.deleteImage(img.id);
      if (img.snapshot_dir) rmSync(img.snapshot_dir, { recursive: true, force: true });
      return { Return: true };
    },
  };
}

function findImageAnyState(d: Ec2Deps, s: Scope, id: string): ImageRow {
  if (!/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new InvalidAMIIDMalformed(`Invalid id: "${id}" (expecting "ami-...")`);
  const img = builtins().find((b) => b.id === id) ?? d.store.image(id);
  if (!img || (img.account && (img.account !== s.account || img.region !== s.region))) throw new InvalidAMIIDNotFound(`The image id '[${id}]' does not exist`);
  return img;
}
