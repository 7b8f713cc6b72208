import { createHash } from 'node:crypto';
import type { Billing, PriceCatalog, ReservedOffering } from '../../engines/billing/types.ts';
import { INSTANCE_TYPES, type Family, type InstanceTypeSpec } from '../ec2/catalog/instance-types.ts';
import { regionLocation, usagePrefix } from '../../core/regions.ts';

// The Price List's products, derived from the billing engine's price catalog (and its Reserved Instance offerings):
// one product per (service, region, instance type, tenancy), one per dedicated-host family, Lambda's duration and
// request prices, Fargate's vCPU and memory prices. Each becomes an aws_v1 document: {product, serviceCode, terms,
// version, publicationDate}. SKUs are hashes of what identifies the product, so they are the same on every start.

/** What the pricing service reads from the billing engine. */
export type PriceSource = Pick<Billing, 'catalog'> & { reserved?: Pick<Billing['reserved'], 'offerings'> };

export const SERVICE_CODES = ['AmazonEC2', 'AWSLambda', 'AmazonECS'] as const;
export type ServiceCode = (typeof SERVICE_CODES)[number];

export interface PriceDimension {
  rateCode: string;
  unit: string;
  usd: number;
  description: string;
}

export interface Term {
  offerTermCode: string;
  dimensions: PriceDimension[];
  termAttributes: Record<string, string>;
}

export interface Product {
  serviceCode: ServiceCode;
  sku: string;
  productFamily: string;
  attributes: Record<string, string>;
  onDemand: Term[];
  reserved: Term[];
}

// AWS's fixed term and rate codes: JRTCKXETXF is every On-Demand offer, 6YS6EN2CT7 an hourly rate, 2TG2D8R56U an
// upfront fee; Reserved terms have one code per (class, length, payment option).
export const ON_DEMAND_TERM = 'JRTCKXETXF';
const HOURLY_RATE = '6YS6EN2CT7';
const UPFRONT_RATE = '2TG2D8R56U';
const QUANTITY_RATE = 'E7EHP3QWS6';
const RESERVED_TERMS: Record<string, string> = {
  'standard|1yr|No Upfront': '4NA7Y494T4', 'standard|1yr|Partial Upfront': 'HU7G6KETJZ', 'standard|1yr|All Upfront': '6QCMYABX3D',
  'standard|3yr|No Upfront': 'BPH4J8HBKS', 'standard|3yr|Partial Upfront': '38NPMPTW36', 'standard|3yr|All Upfront': 'NQ3QZPMQV9',
  'convertible|1yr|No Upfront': '7NE97W5U4E', 'convertible|1yr|Partial Upfront': 'CUZHX8X6JH', 'convertible|1yr|All Upfront': 'VJWZNREJX2',
  'convertible|3yr|No Upfront': 'Z2E3P23VKM', 'convertible|3yr|Partial Upfront': 'R5XV2EPZQZ', 'convertible|3yr|All Upfront': 'MZU6U2429S',
};

const FAMILY_NAMES: Record<Family, string> = {
  'general-purpose': 'General purpose',
  'compute-optimized': 'Compute optimized',
  'memory-optimized': 'Memory optimized',
  'accelerated-computing': 'GPU instance',
  'storage-optimized': 'Storage optimized',
};

/** AWS's normalization factors (nano 0.25 … 48xlarge 384), used by RI/Cost Explorer normalized units. */
export function normalizationFactor(instanceType: string): number {
  const size = instanceType.split('.')[1] ?? '';
  const fixed: Record<string, number> = { nano: 0.25, micro: 0.5, small: 1, medium: 2, large: 4, xlarge: 8, metal: 192 };
  if (size in fixed) return fixed[size]!;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? Number(m[1]) * 8 : 1;
}

/** A 16-character SKU like AWS's, from what identifies a product. */
export function skuOf(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('|')).digest();
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

const money = (usd: number) => `$${Number(usd.toFixed(10)).toString()}`;

function memoryText(mib: number): string {
  return `${Number((mib / 1024).toFixed(3))} GiB`;
}

function storageText(t: InstanceTypeSpec): string {
  if (!t.storage) return 'EBS only';
  return `${t.storage.count} x ${t.storage.sizeGB} ${t.storage.type === 'ssd' ? 'NVMe SSD' : 'HDD'}`;
}

function baseAttributes(serviceCode: ServiceCode, serviceName: string, region: string): Record<string, string> {
  return { servicecode: serviceCode, servicename: serviceName, location: regionLocation(region), locationType: 'AWS Region', regionCode: region };
}

function hourly(usd: number, description: string): PriceDimension {
  return { rateCode: HOURLY_RATE, unit: 'Hrs', usd, description };
}

type Tenancy = 'Shared' | 'Dedicated' | 'Host';

/** Dedicated Instances' price when the catalog has one (else the On-Demand price: Nimbus does not add a premium). */
function dedicatedHourly(catalog: PriceCatalog, region: string, type: string): number | undefined {
  const c = catalog as PriceCatalog & { dedicatedHourly?: (region: string, type: string) => number | undefined };
  return c.dedicatedHourly?.(region, type) ?? catalog.onDemandHourly(region, type);
}

function ec2InstanceProducts(src: PriceSource, region: string): Product[] {
  const out: Product[] = [];
  for (const t of INSTANCE_TYPES) {
    const shared = src.catalog.onDemandHourly(region, t.name);
    if (shared === undefined) continue;
    const prices: Record<Tenancy, number> = { Shared: shared, Dedicated: dedicatedHourly(src.catalog, region, t.name) ?? shared, Host: 0 };
    for (const tenancy of ['Shared', 'Dedicated', 'Host'] as const) {
      const usageType = `${usagePrefix(region)}${tenancy === 'Shared' ? 'BoxUsage' : tenancy === 'Dedicated' ? 'DedicatedUsage' : 'HostBoxUsage'}:${t.name}`;
      const sku = skuOf('AmazonEC2', region, t.name, tenancy, 'Linux', 'Used');
      const attributes: Record<string, string> = {
        ...baseAttributes('AmazonEC2', 'Amazon Elastic Compute Cloud', region),
        instanceType: t.name,
        instanceFamily: FAMILY_NAMES[t.family],
        currentGeneration: 'Yes',
        vcpu: String(t.vcpus),
        memory: memoryText(t.memoryMiB),
        storage: storageText(t),
        networkPerformance: t.network,
        clockSpeed: `${t.clockGhz} GHz`,
        processorArchitecture: '64-bit',
        ...(t.gpu && { gpu: String(t.gpu.count), gpuMemory: `${(t.gpu.memoryMiB * t.gpu.count) / 1024} GiB` }),
        tenancy,
        operatingSystem: 'Linux',
        licenseModel: 'No License required',
        preInstalledSw: 'NA',
        capacitystatus: 'Used',
        marketoption: 'OnDemand',
        normalizationSizeFactor: String(normalizationFactor(t.name)),
        usagetype: usageType,
        operation: 'RunInstances',
      };
      const description = tenancy === 'Host'
        ? `$0.00 per Linux ${t.name} Dedicated Host Instance hour (billed by the host)`
        : `${money(prices[tenancy])} per ${tenancy === 'Shared' ? 'On Demand' : 'Dedicated'} Linux ${t.name} Instance Hour`;
      const reserved = tenancy === 'Shared' ? (src.reserved?.offerings(region, { instanceType: t.name }) ?? []).map(reservedTerm) : [];
      out.push({
        serviceCode: 'AmazonEC2', sku, productFamily: 'Compute Instance', attributes,
        onDemand: [{ offerTermCode: ON_DEMAND_TERM, dimensions: [hourly(prices[tenancy], description)], termAttributes: {} }],
        reserved,
      });
    }
  }
  return out;
}

function reservedTerm(o: ReservedOffering): Term {
  const length = o.durationSec >= 94608000 ? '3yr' : '1yr';
  const code = RESERVED_TERMS[`${o.offeringClass}|${length}|${o.offeringType}`] ?? skuOf(o.offeringClass, length, o.offeringType).slice(0, 10);
  const dimensions: PriceDimension[] = [hourly(o.recurringHourly, `Linux/UNIX (Amazon VPC), ${o.instanceType} reserved instance applied`)];
  if (o.fixedPrice > 0) dimensions.push({ rateCode: UPFRONT_RATE, unit: 'Quantity', usd: o.fixedPrice, description: 'Upfront Fee' });
  return {
    offerTermCode: code,
    dimensions,
    termAttributes: { LeaseContractLength: length, OfferingClass: o.offeringClass, PurchaseOption: o.offeringType },
  };
}

function hostFamilies(): string[] {
  return [...new Set(INSTANCE_TYPES.map((t) => t.name.split('.')[0]!))];
}

function dedicatedHostProducts(src: PriceSource, region: string): Product[] {
  const out: Product[] = [];
  for (const family of hostFamilies()) {
    const price = src.catalog.hostHourly(region, family);
    if (price === undefined) continue;
    const spec = INSTANCE_TYPES.find((t) => t.name.startsWith(`${family}.`))!;
    const cap = src.catalog.hostCapacity(family);
    out.push({
      serviceCode: 'AmazonEC2', sku: skuOf('AmazonEC2', region, family, 'DedicatedHost'), productFamily: 'Dedicated Host',
      attributes: {
        ...baseAttributes('AmazonEC2', 'Amazon Elastic Compute Cloud', region),
        instanceType: family,
        instanceFamily: FAMILY_NAMES[spec.family],
        ...(cap && { physicalCores: String(cap.cores), sockets: String(cap.sockets), vcpu: String(cap.vcpus) }),
        tenancy: 'Host',
        operatingSystem: 'NA',
        preInstalledSw: 'NA',
        licenseModel: 'No License required',
        usagetype: `${usagePrefix(region)}HostUsage:${family}`,
        operation: 'RunInstances',
      },
      onDemand: [{ offerTermCode: ON_DEMAND_TERM, dimensions: [hourly(price, `${money(price)} per On Demand ${family} Dedicated Host Hour`)], termAttributes: {} }],
      reserved: [],
    });
  }
  return out;
}

function lambdaProducts(src: PriceSource, region: string): Product[] {
  const p = src.catalog.lambda(region);
  const base = baseAttributes('AWSLambda', 'AWS Lambda', region);
  const one = (group: string, groupDescription: string, usagetype: string, unit: string, usd: number, description: string): Product => ({
    serviceCode: 'AWSLambda', sku: skuOf('AWSLambda', region, group), productFamily: 'Serverless',
    attributes: { ...base, group, groupDescription, usagetype, operation: 'Invoke' },
    onDemand: [{ offerTermCode: ON_DEMAND_TERM, dimensions: [{ rateCode: QUANTITY_RATE, unit, usd, description }], termAttributes: {} }],
    reserved: [],
  });
  return [
    one('AWS-Lambda-Duration', 'Invocation duration', `${usagePrefix(region)}Lambda-GB-Second`, 'Lambda-GB-Second', p.gbSecond,
      `AWS Lambda - Total Compute - ${regionLocation(region)}: ${money(p.gbSecond)} per GB-second`),
    one('AWS-Lambda-Requests', 'Invocation call for a Lambda function', `${usagePrefix(region)}Request`, 'Requests', p.requestPerMillion / 1e6,
      `AWS Lambda - Total Requests - ${regionLocation(region)}: ${money(p.requestPerMillion)} per 1M requests`),
  ];
}

function fargateProducts(src: PriceSource, region: string): Product[] {
  const p = src.catalog.fargate(region);
  const base = { ...baseAttributes('AmazonECS', 'Amazon Elastic Container Service', region), operatingSystem: 'Linux', tenancy: 'Shared', operation: '' };
  return [
    {
      serviceCode: 'AmazonECS', sku: skuOf('AmazonECS', region, 'Fargate-vCPU'), productFamily: 'Compute',
      attributes: { ...base, cputype: 'perCPU', usagetype: `${usagePrefix(region, true)}Fargate-vCPU-Hours:perCPU` },
      onDemand: [{ offerTermCode: ON_DEMAND_TERM, dimensions: [{ rateCode: HOURLY_RATE, unit: 'hours', usd: p.vcpuHour, description: `AWS Fargate - vCPU - ${regionLocation(region)}` }], termAttributes: {} }],
      reserved: [],
    },
    {
      serviceCode: 'AmazonECS', sku: skuOf('AmazonECS', region, 'Fargate-GB'), productFamily: 'Compute',
      attributes: { ...base, memorytype: 'perGB', usagetype: `${usagePrefix(region, true)}Fargate-GB-Hours` },
      onDemand: [{ offerTermCode: ON_DEMAND_TERM, dimensions: [{ rateCode: HOURLY_RATE, unit: 'GB-Hours', usd: p.gbHour, description: `AWS Fargate - Memory - ${regionLocation(region)}` }], termAttributes: {} }],
      reserved: [],
    },
  ];
}

/** Every product of a service in every catalog region, in a stable order. */
export function productsOf(src: PriceSource, serviceCode: ServiceCode): Product[] {
  const out: Product[] = [];
  for (const region of src.catalog.regions()) {
    if (serviceCode === 'AmazonEC2') out.push(...ec2InstanceProducts(src, region), ...dedicatedHostProducts(src, region));
    else if (serviceCode === 'AWSLambda') out.push(...lambdaProducts(src, region));
    else out.push(...fargateProducts(src, region));
  }
  return out;
}

/** The value of a filterable field: an attribute, or productFamily / sku / ServiceCode. */
export function fieldOf(p: Product, field: string): string | undefined {
  const f = field.toLowerCase();
  if (f === 'productfamily') return p.productFamily;
  if (f === 'sku') return p.sku;
  if (f === 'servicecode') return p.serviceCode;
  for (const [k, v] of Object.entries(p.attributes)) if (k.toLowerCase() === f) return v;
  return undefined;
}

/** Publication metadata: the catalog's retrieval date. */
export function publication(catalog: PriceCatalog): { effectiveDate: string; version: string; publicationDate: string } {
  const t = Date.parse(catalog.source.retrieved);
  const d = new Date(Number.isNaN(t) ? Date.UTC(2025, 0, 1) : t);
  const iso = `${d.toISOString().slice(0, 19)}Z`;
  return { effectiveDate: iso, publicationDate: iso, version: iso.replace(/[-:TZ]/g, '') };
}

const usd = (x: number) => x.toFixed(10);

/** The aws_v1 document of one product, as the JSON string GetProducts returns. */
export function priceListItem(p: Product, pub: ReturnType<typeof publication>): string {
  const terms = (list: Term[]) => Object.fromEntries(list.map((t) => [`${p.sku}.${t.offerTermCode}`, {
    priceDimensions: Object.fromEntries(t.dimensions.map((d) => [`${p.sku}.${t.offerTermCode}.${d.rateCode}`, {
      unit: d.unit,
      endRange: d.unit === 'Quantity' ? undefined : 'Inf',
      description: d.description,
      appliesTo: [],
      rateCode: `${p.sku}.${t.offerTermCode}.${d.rateCode}`,
      beginRange: d.unit === 'Quantity' ? undefined : '0',
      pricePerUnit: { USD: usd(d.usd) },
    }])),
    sku: p.sku,
    effectiveDate: pub.effectiveDate,
    offerTermCode: t.offerTermCode,
    termAttributes: t.termAttributes,
  }]));
  return JSON.stringify({
    product: { productFamily: p.productFamily, attributes: p.attributes, sku: p.sku },
    serviceCode: p.serviceCode,
    terms: { OnDemand: terms(p.onDemand), ...(p.reserved.length && { Reserved: terms(p.reserved) }) },
    version: pub.version,
    publicationDate: pub.publicationDate,
  });
}
