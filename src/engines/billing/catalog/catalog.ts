import { readFileSync } from 'node:fs';
import { usagePrefix } from '../../../core/regions.ts';
import type { OfferingClass, PaymentOption, PriceCatalog, SavingsPlanType } from '../types.ts';

/** The shape of prices.json (the one place prices live). */
interface PricesFile {
  source: { url: string; retrieved: string; note: string };
  onDemandLinux: Record<string, number>;
  regions: Record<string, {
    multiplier: number; derived?: boolean;
    familyMultipliers?: Record<string, number>;
    lambda?: { requestPerMillion: number; gbSecond: number };
    fargate?: { vcpuHour: number; gbHour: number };
  }>;
  normalizationFactors: Record<string, number>;
  dedicatedHosts: Record<string, { hourly: number; sockets: number; cores: number; vcpus: number }>;
  dedicatedInstanceMultiplier: number;
  lambda: { requestPerMillion: number; gbSecond: number };
  fargate: { vcpuHour: number; gbHour: number; spotFraction: number };
  reservedInstances: { effectiveDiscount: Record<OfferingClass, Record<string, Record<PaymentOption, number>>>; partialUpfrontShare: number };
  savingsPlans: {
    discount: {
      EC2Instance: Record<string, Record<PaymentOption, number>>;
      Compute: Record<SpProduct, Record<string, Record<PaymentOption, number>>>;
    };
    partialUpfrontShare: number;
  };
  spot: { baseFractionOfOnDemand: Record<string, number>; band: number; maxStep: number; changeProbability: number };
}

export type SpProduct = 'EC2' | 'Fargate' | 'Lambda';

export const ONE_YEAR_SEC = 31_536_000;
export const THREE_YEARS_SEC = 94_608_000;
export const TERMS_SEC = [ONE_YEAR_SEC, THREE_YEARS_SEC] as const;
export const PAYMENT_OPTIONS: PaymentOption[] = ['All Upfront', 'Partial Upfront', 'No Upfront'];
/** Hours in a term (8760 or 26280): RI fees and Savings Plan commitments are charged for exactly this many hours. */
export const termHours = (durationSec: number): number => durationSec / 3600;

export const familyOf = (instanceType: string): string => instanceType.split('.')[0]!;
export const sizeOf = (instanceType: string): string => instanceType.split('.')[1] ?? '';

/** Derived prices keep four significant digits, like AWS's rate cards. */
const round4 = (x: number): number => Number(x.toPrecision(4));

/**
 * Typed access to prices.json. Regions not in the file are priced like us-east-1 and get a usage type prefix built
 * from the region name. AWS: every region has its own rate card. Here: a local cloud may be started with any
 * --region, and a bill with zeros would be less useful than one at us-east-1 rates.
 */
export class Catalog implements PriceCatalog {
  private readonly p: PricesFile;
  readonly source: PriceCatalog['source'];
  private readonly types: string[];

  constructor(file = new URL('./prices.json', import.meta.url)) {
    this.p = JSON.parse(readFileSync(file, 'utf8')) as PricesFile;
    this.source = this.p.source;
    this.types = Object.keys(this.p.onDemandLinux);
  }

  regions(): string[] {
    return Object.keys(this.p.regions);
  }

  /** Every instance type with a price. */
  instanceTypes(): string[] {
    return this.types;
  }

  families(): string[] {
    return [...new Set(this.types.map(familyOf))];
  }

  /** The multiplier over us-east-1 for a family in a region (1 for regions not in the file). */
  private multiplier(region: string, family: string): number {
    const r = this.p.regions[region];
    return r ? r.familyMultipliers?.[family] ?? r.multiplier : 1;
  }

  onDemandHourly(region: string, instanceType: string): number | undefined {
    const base = this.p.onDemandLinux[instanceType];
    if (base === undefined) return undefined;
    const m = this.multiplier(region, familyOf(instanceType));
    return m === 1 ? base : round4(base * m);
  }

  /**
   * Dedicated Instance (tenancy 'dedicated') hourly price. AWS: a per-type dedicated rate plus 2 USD per hour per
   * region while any dedicated instance runs. Here: On-Demand × dedicatedInstanceMultiplier, no regional fee.
   */
  dedicatedHourly(region: string, instanceType: string): number | undefined {
    const od = this.onDemandHourly(region, instanceType);
    return od === undefined ? undefined : round4(od * this.p.dedicatedInstanceMultiplier);
  }

  hostHourly(region: string, family: string): number | undefined {
    const h = this.p.dedicatedHosts[familyOf(family)];
    if (!h) return undefined;
    const m = this.multiplier(region, familyOf(family));
    return m === 1 ? h.hourly : round4(h.hourly * m);
  }

  hostCapacity(family: string): { sockets: number; cores: number; vcpus: number } | undefined {
    const h = this.p.dedicatedHosts[familyOf(family)];
    return h && { sockets: h.sockets, cores: h.cores, vcpus: h.vcpus };
  }

  lambda(region: string): { requestPerMillion: number; gbSecond: number } {
    return this.p.regions[region]?.lambda ?? this.p.lambda;
  }

  fargate(region: string): { vcpuHour: number; gbHour: number } {
    const own = this.p.regions[region]?.fargate;
    if (own) return own;
    const m = this.p.regions[region]?.multiplier ?? 1;
    return m === 1 ? { vcpuHour: this.p.fargate.vcpuHour, gbHour: this.p.fargate.gbHour } : { vcpuHour: round4(this.p.fargate.vcpuHour * m), gbHour: round4(this.p.fargate.gbHour * m) };
  }

  /** Fargate Spot as a fraction of Fargate On-Demand. AWS: a market price. Here: a fixed fraction. */
  fargateSpotFraction(): number {
    return this.p.fargate.spotFraction;
  }

  /** The prefix AWS puts on usage types outside us-east-1 (USE2-BoxUsage:t3.micro, EU-BoxUsage:…): src/core/regions.ts. */
  usageTypePrefix(region: string): string {
    return usagePrefix(region);
  }

  /** Size normalization factor (nano 0.25 … 48xlarge 384) used by size-flexible regional RIs. */
  normalizationFactor(instanceType: string): number {
    return this.p.normalizationFactors[sizeOf(instanceType)] ?? 1;
  }

  /** Effective RI discount off On-Demand (upfront amortized + recurring). */
  riDiscount(offeringClass: OfferingClass, durationSec: number, payment: PaymentOption): number {
    return this.p.reservedInstances.effectiveDiscount[offeringClass][String(durationSec)]![payment];
  }

  riPartialUpfrontShare(): number {
    return this.p.reservedInstances.partialUpfrontShare;
  }

  /** Savings Plan discount off On-Demand for a product (EC2 Instance plans: EC2 only). */
  spDiscount(planType: SavingsPlanType, product: SpProduct, durationSec: number, payment: PaymentOption): number {
    const d = this.p.savingsPlans.discount;
    if (planType === 'EC2Instance') return product === 'EC2' ? d.EC2Instance[String(durationSec)]![payment] : 0;
    return d.Compute[product][String(durationSec)]![payment];
  }

  spPartialUpfrontShare(): number {
    return this.p.savingsPlans.partialUpfrontShare;
  }

  /** Spot market parameters of a family: base price as a fraction of On-Demand, band (±), step size, change odds. */
  spotParams(family: string): { base: number; band: number; maxStep: number; changeProbability: number } {
    const s = this.p.spot;
    return { base: s.baseFractionOfOnDemand[family] ?? 0.35, band: s.band, maxStep: s.maxStep, changeProbability: s.changeProbability };
  }
}
