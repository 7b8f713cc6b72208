import { INSTANCE_TYPES, type InstanceTypeSpec } from './catalog/instance-types.ts';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { paginate } from './domain/paginate.ts';
import { InvalidInstanceType, InvalidParameterValue } from './errors.ts';
import { AZ_LETTERS } from './network.ts';

function info(t: InstanceTypeSpec) {
  return {
    InstanceType: t.name,
    CurrentGeneration: true,
    FreeTierEligible: t.name === 't3.micro',
    SupportedUsageClasses: ['on-demand', 'spot'],
    SupportedRootDeviceTypes: ['ebs'],
    SupportedVirtualizationTypes: ['hvm'],
    BareMetal: false,
    Hypervisor: 'nitro',
    ProcessorInfo: { SupportedArchitectures: ['x86_64'], SustainedClockSpeedInGhz: t.clockGhz, Manufacturer: 'Intel' },
    VCpuInfo: { DefaultVCpus: t.vcpus, DefaultCores: Math.max(1, t.vcpus / 2), DefaultThreadsPerCore: t.vcpus > 1 ? 2 : 1 },
    MemoryInfo: { SizeInMiB: t.memoryMiB },
    InstanceStorageSupported: !!t.storage,
    InstanceStorageInfo: t.storage ? {
      TotalSizeInGB: t.storage.count * t.storage.sizeGB, Disks: [{ SizeInGB: t.storage.sizeGB, Count: t.storage.count, Type: t.storage.type }],
      NvmeSupport: 'required', EncryptionSupport: 'required',
    } : undefined,
    EbsInfo: { EbsOptimizedSupport: 'default', EncryptionSupport: 'supported', NvmeSupport: 'required' },
    NetworkInfo: { NetworkPerformance: t.network, MaximumNetworkInterfaces: Math.min(15, 2 + t.vcpus / 2), Ipv4AddressesPerInterface: 15, Ipv6Supported: true, EnaSupport: 'required' },
    GpuInfo: t.gpu ? {
      Gpus: [{ Name: t.gpu.name, Manufacturer: t.gpu.manufacturer, Count: t.gpu.count, MemoryInfo: { SizeInMiB: t.gpu.memoryMiB } }],
      TotalGpuMemoryInMiB: t.gpu.count * t.gpu.memoryMiB,
    } : undefined,
    PlacementGroupInfo: { SupportedStrategies: ['cluster', 'partition', 'spread'] },
    HibernationSupported: false,
    BurstablePerformanceSupported: !!t.burstable,
    DedicatedHostsSupported: !t.burstable,
    AutoRecoverySupported: true,
    SupportedBootModes: ['legacy-bios', 'uefi'],
  };
}

const FIELDS: Parameters<typeof applyFilters<InstanceTypeSpec>>[2] = {
  'instance-type': (t) => t.name,
  'current-generation': () => true,
  'vcpu-info.default-vcpus': (t) => t.vcpus,
  'memory-info.size-in-mib': (t) => t.memoryMiB,
  'burstable-performance-supported': (t) => !!t.burstable,
  'instance-storage-supported': (t) => !!t.storage,
  'processor-info.supported-architecture': () => 'x86_64',
  'free-tier-eligible': (t) => t.name === 't3.micro',
};

export function instanceTypeHandlers(d: Ec2Deps) {
  void d;
  return {
    DescribeInstanceTypes(input: { InstanceTypes?: string[]; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }) {
      let types = INSTANCE_TYPES;
      for (const n of input.InstanceTypes ?? []) {
        if (!types.some((t) => t.name === n)) throw new InvalidInstanceType(`The following supplied instance types do not exist: [${n}]`);
      }
      if (input.InstanceTypes?.length) types = types.filter((t) => input.InstanceTypes!.includes(t.name));
      types = applyFilters(types, input.Filters, FIELDS);
      const { page, next } = paginate(types, input.MaxResults, input.NextToken, { min: 5, max: 100 });
      return { InstanceTypes: page.map(info), NextToken: next };
    },
    DescribeInstanceTypeOfferings(input: { LocationType?: string; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      const lt = input.LocationType ?? 'region';
      let locations: string[];
      if (lt === 'region') locations = [ctx.region];
      else if (lt === 'availability-zone') locations = AZ_LETTERS.map((l) => `${ctx.region}${l}`);
      else if (lt === 'availability-zone-id') locations = AZ_LETTERS.map((_, i) => `${ctx.region.replace(/-/g, '').slice(0, 4)}-az${i + 1}`);
      else throw new InvalidParameterValue(`Invalid value '${lt}' for LocationType`);
      let offers = locations.flatMap((loc) => INSTANCE_TYPES.map((t) => ({ InstanceType: t.name, LocationType: lt, Location: loc })));
      offers = applyFilters(offers, input.Filters, { 'instance-type': (o) => o.InstanceType, location: (o) => o.Location });
      const { page, next } = paginate(offers, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
      return { InstanceTypeOfferings: page, NextToken: next };
    },
  };
}
