// The billing engine's contract: what metering callers (EC2, Lambda, ECS/Fargate) write and what the billing
// services (pricing, savingsplans, ce), the EC2 purchase-option APIs (spot, reserved instances, dedicated hosts),
// the CLI (`nimbus bill`) and the web console read. Engines only: nothing here knows about HTTP or AWS shapes.
//
// Money is in USD as JS numbers; rating works in exact per-second quantities and rounds only when presenting.

export interface Scope { account: string; region: string }

/** AWS's Cost Explorer service names (SERVICE dimension values). */
export type BilledService = 'Amazon Elastic Compute Cloud - Compute' | 'AWS Lambda' | 'Amazon Elastic Container Service' | 'Savings Plans for AWS Compute usage';

export type Market = 'on-demand' | 'spot';
export type Tenancy = 'default' | 'dedicated' | 'host';

/**
 * One metered interval of something that runs and is billed by time. EC2 opens one when an instance enters
 * `running` and closes it when the instance leaves `running`; a dedicated host is metered from AllocateHosts to
 * ReleaseHosts; a Fargate task from start to stop. `endMs` null = still running (rated up to "now").
 */
export interface UsageInterval {
  account: string;
  region: string;
  az: string;
  kind: 'instance' | 'host' | 'task';
  /** Instance id, host id (h-…), task ARN. */
  resourceId: string;
  /** kind 'instance': the type that ran (a type change while stopped starts a new interval). */
  instanceType?: string;
  /** kind 'host': the family (m7i) or type the host was allocated for. */
  hostFamily?: string;
  market: Market;
  tenancy: Tenancy;
  /** kind 'instance' on a dedicated host: the host (its usage is covered by the host's own hourly price). */
  hostId?: string;
  /** kind 'task' (Fargate): vCPU and memory GiB that are billed. */
  vcpu?: number;
  memoryGiB?: number;
  startMs: number;
  endMs: number | null;
}

/** The metering side used by EC2 (and later ECS). All calls are synchronous SQLite writes, safe inside the caller's transaction. */
export interface Meter {
  /** Opens an interval; a no-op when one is already open for resourceId (idempotent across restarts). */
  open(u: Omit<UsageInterval, 'endMs'>): void;
  /** Closes the open interval of resourceId at atMs (no-op when none is open). */
  close(resourceId: string, atMs: number): void;
}

/** Simulated spot market (deterministic from instance type, AZ and hour, so history is stable across restarts). */
export interface SpotMarket {
  /** The spot price in USD/hour of a type in an AZ at a time. */
  price(region: string, az: string, instanceType: string, atMs: number): number;
  /** Price changes (one point per change, newest first, like DescribeSpotPriceHistory) in [fromMs, toMs]. */
  history(region: string, q: { az?: string; instanceTypes?: string[]; fromMs: number; toMs: number }): { az: string; instanceType: string; price: number; timestamp: number }[];
}

export type OfferingClass = 'standard' | 'convertible';
export type PaymentOption = 'All Upfront' | 'Partial Upfront' | 'No Upfront';

export interface ReservedOffering {
  /** Stable id (same offering → same id on every start). */
  id: string;
  instanceType: string;
  region: string;
  /** Seconds: 31536000 (1 year) or 94608000 (3 years). */
  durationSec: number;
  offeringClass: OfferingClass;
  offeringType: PaymentOption;
  /** Upfront, USD per instance. */
  fixedPrice: number;
  /** Recurring hourly charge per instance, billed every hour of the term whether used or not. */
  recurringHourly: number;
  productDescription: 'Linux/UNIX';
  scope: 'Region';
  tenancy: 'default';
}

export interface ReservedInstances {
  id: string;
  account: string;
  region: string;
  offeringId: string;
  instanceType: string;
  instanceCount: number;
  startMs: number;
  endMs: number;
  offeringClass: OfferingClass;
  offeringType: PaymentOption;
  fixedPrice: number;
  recurringHourly: number;
  /** 'active' while now ∈ [start, end), then 'retired'. */
  state: 'payment-pending' | 'active' | 'retired';
}

export type SavingsPlanType = 'Compute' | 'EC2Instance';

export interface SavingsPlanOffering {
  offeringId: string;
  planType: SavingsPlanType;
  durationSec: number;
  paymentOption: PaymentOption;
  /** EC2Instance plans are for one family in one region. */
  instanceFamily?: string;
  region?: string;
  currency: 'USD';
  productTypes: ('EC2' | 'Fargate' | 'Lambda')[];
  description: string;
}

export interface SavingsPlan {
  id: string;
  arn: string;
  account: string;
  offeringId: string;
  planType: SavingsPlanType;
  paymentOption: PaymentOption;
  instanceFamily?: string;
  region?: string;
  /** USD per hour committed. */
  commitment: number;
  upfrontPaymentAmount: number;
  recurringPaymentAmount: number;
  startMs: number;
  endMs: number;
  state: 'queued' | 'active' | 'retired' | 'queued-deleted';
  tags: Record<string, string>;
}

/** One rated line: `quantity` of `usageType` in one hour (or a one-time fee), priced under a purchase option. */
export interface LineItem {
  hourMs: number;
  account: string;
  region: string;
  service: BilledService;
  /** AWS usage types: BoxUsage:t3.micro, SpotUsage:t3.micro, HostUsage:m7i, DedicatedUsage:…, Lambda-GB-Second, Request, Fargate-vCPU-Hours:perCPU, Fargate-GB-Hours, ComputeSP:…, HeavyUsage:… */
  usageType: string;
  instanceType?: string;
  /** Cost Explorer PURCHASE_TYPE: 'On Demand Instances' | 'Spot Instances' | 'Standard Reserved Instances' | 'Convertible Reserved Instances' | 'Savings Plans' | 'Dedicated Host'. */
  purchaseType: string;
  resourceId?: string;
  reservationId?: string;
  savingsPlanArn?: string;
  /** Hours (instances, hosts), GB-seconds, requests, … */
  quantity: number;
  unit: string;
  /** What this line costs on the bill (cash basis: upfront fees when paid). */
  unblendedCost: number;
  /** Upfront fees spread over the term (Cost Explorer's AmortizedCost). */
  amortizedCost: number;
  /** What the same usage would have cost On-Demand (for savings/coverage). */
  onDemandCost: number;
  /**
   * The Cost and Usage Report's line_item_line_item_type: 'Usage' (On-Demand, spot, hosts), 'DiscountedUsage' (covered
   * by an RI), 'SavingsPlanCoveredUsage', 'RIFee' (an RI's hourly fee), 'Fee' (an RI's upfront payment),
   * 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'. Always set by the billing engine.
   */
  lineItemType?: LineItemType;
  /** The Availability Zone of EC2 usage (CUR line_item_availability_zone). */
  az?: string;
}

export type LineItemType = 'Usage' | 'DiscountedUsage' | 'SavingsPlanCoveredUsage' | 'RIFee' | 'Fee' | 'SavingsPlanRecurringFee' | 'SavingsPlanUpfrontFee';

/** Prices as data (src/engines/billing/catalog/prices.json): one place, with its source and date. */
export interface PriceCatalog {
  /** Regions with prices. */
  regions(): string[];
  /** Linux On-Demand USD/hour, undefined for a type Nimbus does not offer. */
  onDemandHourly(region: string, instanceType: string): number | undefined;
  /** Dedicated Host On-Demand USD/hour for a family (m7i, c7i, …). */
  hostHourly(region: string, family: string): number | undefined;
  /** What one dedicated host of a family holds: physical cores, sockets, and vCPUs available to instances. */
  hostCapacity(family: string): { sockets: number; cores: number; vcpus: number } | undefined;
  lambda(region: string): { requestPerMillion: number; gbSecond: number };
  fargate(region: string): { vcpuHour: number; gbHour: number };
  /** Where the numbers come from (shown by the pricing API and README). */
  source: { url: string; retrieved: string; note: string };
}

/** Reserved Instances: offerings derived from the catalog, purchases stored durably. */
export interface ReservedInstancesBook {
  offerings(region: string, q?: { instanceType?: string; offeringClass?: OfferingClass; offeringType?: PaymentOption; durationSec?: number; ids?: string[] }): ReservedOffering[];
  offering(id: string): ReservedOffering | undefined;
  /** Throws nothing: callers validate (unknown offering, count < 1) and raise the AWS error. */
  purchase(s: Scope, offeringId: string, count: number, atMs: number): ReservedInstances;
  list(s: Scope, atMs: number): ReservedInstances[];
}

/** Savings Plans: offerings, purchases (durable), hourly application to EC2, Fargate and Lambda usage. */
export interface SavingsPlansBook {
  offerings(q?: { planTypes?: SavingsPlanType[]; paymentOptions?: PaymentOption[]; durationsSec?: number[]; ids?: string[]; instanceFamily?: string; region?: string }): SavingsPlanOffering[];
  offering(id: string): SavingsPlanOffering | undefined;
  /** The discounted rate of one usage under an offering (for DescribeSavingsPlansOfferingRates / DescribeSavingsPlanRates). */
  rates(offeringId: string, region?: string): { usageType: string; productType: 'EC2' | 'Fargate' | 'Lambda'; rate: number; unit: string; instanceType?: string; region: string }[];
  create(account: string, p: { offeringId: string; commitment: number; upfrontPaymentAmount?: number; purchaseTimeMs?: number; tags?: Record<string, string> }, atMs: number): SavingsPlan;
  list(account: string, atMs: number): SavingsPlan[];
  deleteQueued(account: string, id: string, atMs: number): boolean;
  setTags(account: string, arn: string, tags: Record<string, string>): boolean;
  removeTags(account: string, arn: string, keys: string[]): boolean;
}

/** The engine as the rest of Nimbus holds it. */
export interface Billing {
  catalog: PriceCatalog;
  meter: Meter;
  spot: SpotMarket;
  reserved: ReservedInstancesBook;
  savingsPlans: SavingsPlansBook;
  /** Every rated line of an account in [fromMs, toMs): usage, spot, RI fees, SP commitments, hosts, Lambda, Fargate. */
  lineItems(account: string, fromMs: number, toMs: number): LineItem[];
}

/** Lambda usage of one function in one hour (read from lambda_usage by the function engine's meter). */
export interface LambdaHourlyUsage {
  region: string;
  functionArn: string;
  /** Start of the UTC hour. */
  hourMs: number;
  requests: number;
  /** Σ billed_ms × memory (GB-seconds at 1 ms granularity). */
  gbSeconds: number;
}

/** Where the billing engine reads Lambda usage from: an account's per-function hourly usage in [fromMs, toMs). */
export type LambdaUsageSource = (account: string, fromMs: number, toMs: number) => LambdaHourlyUsage[];
