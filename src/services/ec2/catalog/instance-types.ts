// The instance types Nimbus offers: real vCPU/memory/storage/GPU specs from AWS's published tables
// (aws.amazon.com/ec2/instance-types, checked 2026-11). CPU and memory are enforced on the workload;
// GPUs and instance-store disks are described but not attached (there are none on a laptop).

export type Family = 'general-purpose' | 'compute-optimized' | 'memory-optimized' | 'accelerated-computing' | 'storage-optimized';

export interface InstanceTypeSpec {
  name: string;
  family: Family;
  vcpus: number;
  memoryMiB: number;
  burstable?: boolean;
  network: string;
  gpu?: { name: string; manufacturer: string; count: number; memoryMiB: number };
  storage?: { count: number; sizeGB: number; type: 'ssd' | 'hdd' };
  clockGhz: number;
}

const gib = (n: number) => n * 1024;
const t = (size: string, vcpus: number, mem: number, net: string): InstanceTypeSpec => ({
  name: `t3.${size}`, family: 'general-purpose', vcpus, memoryMiB: Math.round(mem * 1024), burstable: true, network: net, clockGhz: 2.5,
});
const sized = (family: Family, prefix: string, clockGhz: number, memPerVcpu: number, extra: Partial<InstanceTypeSpec> = {}) =>
  (size: string, vcpus: number, net: string, more: Partial<InstanceTypeSpec> = {}): InstanceTypeSpec => ({
    name: `${prefix}.${size}`, family, vcpus, memoryMiB: gib(vcpus * memPerVcpu), network: net, clockGhz, ...extra, ...more,
  });

const m7i = sized('general-purpose', 'm7i', 3.2, 4);
const c7i = sized('compute-optimized', 'c7i', 3.2, 2);
const r7i = sized('memory-optimized', 'r7i', 3.2, 8);
const g5 = sized('accelerated-computing', 'g5', 3.3, 4);
const i4i = sized('storage-optimized', 'i4i', 3.5, 8);
const d3 = sized('storage-optimized', 'd3', 3.1, 8);
const a10g = (count: number) => ({ gpu: { name: 'A10G', manufacturer: 'NVIDIA', count, memoryMiB: 24576 } });

export const INSTANCE_TYPES: InstanceTypeSpec[] = [
  t('nano', 2, 0.5, 'Up to 5 Gigabit'), t('micro', 2, 1, 'Up to 5 Gigabit'), t('small', 2, 2, 'Up to 5 Gigabit'),
  t('medium', 2, 4, 'Up to 5 Gigabit'), t('large', 2, 8, 'Up to 5 Gigabit'), t('xlarge', 4, 16, 'Up to 5 Gigabit'),
  t('2xlarge', 8, 32, 'Up to 5 Gigabit'),
  m7i('large', 2, 'Up to 12.5 Gigabit'), m7i('xlarge', 4, 'Up to 12.5 Gigabit'), m7i('2xlarge', 8, 'Up to 12.5 Gigabit'),
  m7i('4xlarge', 16, 'Up to 12.5 Gigabit'), m7i('8xlarge', 32, '12.5 Gigabit'),
  c7i('large', 2, 'Up to 12.5 Gigabit'), c7i('xlarge', 4, 'Up to 12.5 Gigabit'), c7i('2xlarge', 8, 'Up to 12.5 Gigabit'),
  c7i('4xlarge', 16, 'Up to 12.5 Gigabit'), c7i('8xlarge', 32, '12.5 Gigabit'),
  r7i('large', 2, 'Up to 12.5 Gigabit'), r7i('xlarge', 4, 'Up to 12.5 Gigabit'), r7i('2xlarge', 8, 'Up to 12.5 Gigabit'),
  r7i('4xlarge', 16, 'Up to 12.5 Gigabit'), r7i('8xlarge', 32, '12.5 Gigabit'),
  g5('xlarge', 4, 'Up to 10 Gigabit', a10g(1)), g5('2xlarge', 8, 'Up to 10 Gigabit', a10g(1)),
  g5('4xlarge', 16, 'Up to 25 Gigabit', a10g(1)), g5('12xlarge', 48, '40 Gigabit', a10g(4)),
  {
    name: 'p5.48xlarge', family: 'accelerated-computing', vcpus: 192, memoryMiB: gib(2048), network: '3200 Gigabit', clockGhz: 3.6,
    gpu: { name: 'H100', manufacturer: 'NVIDIA', count: 8, memoryMiB: 81920 }, storage: { count: 8, sizeGB: 3800, type: 'ssd' },
  },
  i4i('large', 2, 'Up to 10 Gigabit', { storage: { count: 1, sizeGB: 468, type: 'ssd' } }),
  i4i('xlarge', 4, 'Up to 25 Gigabit', { storage: { count: 1, sizeGB: 937, type: 'ssd' } }),
  i4i('2xlarge', 8, 'Up to 25 Gigabit', { storage: { count: 1, sizeGB: 1875, type: 'ssd' } }),
  i4i('4xlarge', 16, 'Up to 25 Gigabit', { storage: { count: 1, sizeGB: 3750, type: 'ssd' } }),
  d3('xlarge', 4, 'Up to 15 Gigabit', { storage: { count: 3, sizeGB: 2000, type: 'hdd' } }),
  d3('2xlarge', 8, 'Up to 15 Gigabit', { storage: { count: 6, sizeGB: 2000, type: 'hdd' } }),
  d3('4xlarge', 16, 'Up to 15 Gigabit', { storage: { count: 12, sizeGB: 2000, type: 'hdd' } }),
  d3('8xlarge', 32, '25 Gigabit', { storage: { count: 24, sizeGB: 2000, type: 'hdd' } }),
];

const byName = new Map(INSTANCE_TYPES.map((s) => [s.name, s]));

export function instanceType(name: string): InstanceTypeSpec | undefined {
  return byName.get(name);
}
