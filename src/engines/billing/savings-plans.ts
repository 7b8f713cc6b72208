import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import { type Catalog, familyOf, PAYMENT_OPTIONS, type SpProduct, TERMS_SEC, termHours } from './catalog/catalog.ts';
import { stableUuid } from './stable-ids.ts';
import type { PaymentOption, SavingsPlan, SavingsPlanOffering, SavingsPlansBook, SavingsPlanType } from './types.ts';

interface Row {
  id: string; arn: string; account: string; offering_id: string; plan_type: SavingsPlanType; payment_option: PaymentOption;
  instance_family: string | null; region: string | null; commitment: number; upfront: number; recurring: number;
  start_ms: number; end_ms: number; created_ms: number; deleted: number; tags: string;
}

export const termLabel = (durationSec: number) => `${Math.round(durationSec / 31_536_000)}yr`;
const paymentLabel = (p: PaymentOption) => p.replace(/ /g, '');

/** AWS usage type of a plan's fee lines: ComputeSP:1yrNoUpfront, EC2SP:m7i.3yrAllUpfront. */
export function planUsageType(p: { planType: SavingsPlanType; instanceFamily?: string; paymentOption: PaymentOption }, durationSec: number): string {
  const tail = `${termLabel(durationSec)}${paymentLabel(p.paymentOption)}`;
  return p.planType === 'Compute' ? `ComputeSP:${tail}` : `EC2SP:${p.instanceFamily}.${tail}`;
}

/**
 * Savings Plans: offerings derived from the catalog (Compute: every region and family, EC2 + Fargate + Lambda;
 * EC2 Instance: one family in one region, EC2 only) and purchases stored in savings_plans.
 * A plan commits `commitment` USD per hour for every hour of its term: All Upfront pays commitment × term hours at
 * the start, Partial Upfront pays the given upfront amount (default half of that) and the rest hourly, No Upfront pays
 * the commitment hourly (recurringPaymentAmount = commitment − upfront / term hours).
 * AWS: queued plans are charged their upfront fee when they start; returns within 7 days; SageMaker plans.
 * Here: the same start rule; no returns, no SageMaker plans.
 */
export class SavingsPlans implements SavingsPlansBook {
  private readonly all: SavingsPlanOffering[] = [];
  private readonly byId = new Map<string, SavingsPlanOffering>();
  private readonly insert;
  private readonly byAccount;
  private readonly one;
  private readonly markDeleted;
  private readonly updateTags;
  private readonly overlapStmt;

  constructor(db: Db, private readonly catalog: Catalog) {
    for (const durationSec of TERMS_SEC) {
      for (const paymentOption of PAYMENT_OPTIONS) {
        this.add({
          offeringId: stableUuid(`sp|Compute|${durationSec}|${paymentOption}`), planType: 'Compute', durationSec, paymentOption,
          currency: 'USD', productTypes: ['EC2', 'Fargate', 'Lambda'],
          description: `${termLabel(durationSec).replace('yr', ' year')} ${paymentOption} Compute Savings Plan`,
        });
        for (const region of catalog.regions()) {
          for (const instanceFamily of catalog.families()) {
            this.add({
              offeringId: stableUuid(`sp|EC2Instance|${region}|${instanceFamily}|${durationSec}|${paymentOption}`), planType: 'EC2Instance',
              durationSec, paymentOption, instanceFamily, region, currency: 'USD', productTypes: ['EC2'],
              description: `${termLabel(durationSec).replace('yr', ' year')} ${paymentOption} ${instanceFamily} EC2 Instance Savings Plan in ${region}`,
            });
          }
        }
      }
    }
    this.insert = db.prepare(`INSERT INTO savings_plans (id, arn, account, offering_id, plan_type, payment_option, instance_family, region, commitment, upfront, recurring, start_ms, end_ms, created_ms, tags)
      VALUES (@id, @arn, @account, @offeringId, @planType, @paymentOption, @instanceFamily, @region, @commitment, @upfront, @recurring, @startMs, @endMs, @createdMs, @tags)`);
    this.byAccount = db.prepare('SELECT * FROM savings_plans WHERE account = ? ORDER BY start_ms, id');
    this.one = db.prepare('SELECT * FROM savings_plans WHERE account = ? AND (id = ? OR arn = ?)');
    this.markDeleted = db.prepare('UPDATE savings_plans SET deleted = 1 WHERE id = ?');
    this.updateTags = db.prepare('UPDATE savings_plans SET tags = ? WHERE id = ?');
    this.overlapStmt = db.prepare('SELECT * FROM savings_plans WHERE account = ? AND deleted = 0 AND start_ms < ? AND end_ms > ? ORDER BY start_ms, id');
  }

  private add(o: SavingsPlanOffering): void {
    this.all.push(o);
    this.byId.set(o.offeringId, o);
  }

  /**
   * AWS: the instanceFamily and region filters select EC2 Instance offerings. Here: Compute offerings always pass
   * them, since a Compute plan applies to every family in every region.
   */
  offerings(q: { planTypes?: SavingsPlanType[]; paymentOptions?: PaymentOption[]; durationsSec?: number[]; ids?: string[]; instanceFamily?: string; region?: string } = {}): SavingsPlanOffering[] {
    return this.all.filter((o) =>
      (!q.planTypes?.length || q.planTypes.includes(o.planType)) && (!q.paymentOptions?.length || q.paymentOptions.includes(o.paymentOption))
      && (!q.durationsSec?.length || q.durationsSec.includes(o.durationSec)) && (!q.ids?.length || q.ids.includes(o.offeringId))
      && (!q.instanceFamily || o.planType === 'Compute' || o.instanceFamily === q.instanceFamily)
      && (!q.region || o.planType === 'Compute' || o.region === q.region));
  }

  offering(id: string): SavingsPlanOffering | undefined {
    return this.byId.get(id);
  }

  /** The discount of an offering on one product (0 where the plan does not apply). */
  discount(o: SavingsPlanOffering, product: SpProduct): number {
    return this.catalog.spDiscount(o.planType, product, o.durationSec, o.paymentOption);
  }

  rates(offeringId: string, region?: string): { usageType: string; productType: SpProduct; rate: number; unit: string; instanceType?: string; region: string }[] {
    const o = this.byId.get(offeringId);
    if (!o) return [];
    const regions = o.planType === 'EC2Instance' ? (!region || region === o.region ? [o.region!] : []) : region ? [region] : this.catalog.regions();
    const r10 = (x: number) => Number(x.toFixed(10));
    const out: ReturnType<SavingsPlans['rates']> = [];
    for (const rg of regions) {
      const prefix = this.catalog.usageTypePrefix(rg);
      const ec2 = 1 - this.discount(o, 'EC2');
      for (const t of this.catalog.instanceTypes()) {
        if (o.instanceFamily && familyOf(t) !== o.instanceFamily) continue;
        out.push({ usageType: `${prefix}BoxUsage:${t}`, productType: 'EC2', rate: r10(this.catalog.onDemandHourly(rg, t)! * ec2), unit: 'Hrs', instanceType: t, region: rg });
      }
      if (o.planType !== 'Compute') continue;
      const fg = this.catalog.fargate(rg);
      const fd = 1 - this.discount(o, 'Fargate');
      out.push({ usageType: `${prefix}Fargate-vCPU-Hours:perCPU`, productType: 'Fargate', rate: r10(fg.vcpuHour * fd), unit: 'Hrs', region: rg });
      out.push({ usageType: `${prefix}Fargate-GB-Hours`, productType: 'Fargate', rate: r10(fg.gbHour * fd), unit: 'Hrs', region: rg });
      out.push({ usageType: `${prefix}Lambda-GB-Second`, productType: 'Lambda', rate: r10(this.catalog.lambda(rg).gbSecond * (1 - this.discount(o, 'Lambda'))), unit: 'Lambda-GB-Second', region: rg });
    }
    return out;
  }

  create(account: string, p: { offeringId: string; commitment: number; upfrontPaymentAmount?: number; purchaseTimeMs?: number; tags?: Record<string, string> }, atMs: number): SavingsPlan {
    const o = this.byId.get(p.offeringId)!;
    const hours = termHours(o.durationSec);
    const upfront = Number((o.paymentOption === 'All Upfront' ? p.commitment * hours
      : o.paymentOption === 'Partial Upfront' ? p.upfrontPaymentAmount ?? p.commitment * hours * this.catalog.spPartialUpfrontShare()
        : 0).toFixed(6));
    const recurring = Math.max(0, Number((p.commitment - upfront / hours).toFixed(10)));
    const id = randomUUID();
    const startMs = p.purchaseTimeMs !== undefined && p.purchaseTimeMs > atMs ? p.purchaseTimeMs : atMs;
    const row: Row = {
      id, arn: `arn:aws:savingsplans::${account}:savingsplan/${id}`, account, offering_id: o.offeringId, plan_type: o.planType,
      payment_option: o.paymentOption, instance_family: o.instanceFamily ?? null, region: o.region ?? null, commitment: p.commitment,
      upfront, recurring, start_ms: startMs, end_ms: startMs + o.durationSec * 1000, created_ms: atMs, deleted: 0, tags: JSON.stringify(p.tags ?? {}),
    };
    this.insert.run({
      id: row.id, arn: row.arn, account, offeringId: row.offering_id, planType: row.plan_type, paymentOption: row.payment_option,
      instanceFamily: row.instance_family, region: row.region, commitment: row.commitment, upfront, recurring, startMs, endMs: row.end_ms,
      createdMs: atMs, tags: row.tags,
    });
    return fromRow(row, atMs);
  }

  list(account: string, atMs: number): SavingsPlan[] {
    return (this.byAccount.all(account) as Row[]).map((r) => fromRow(r, atMs));
  }

  deleteQueued(account: string, id: string, atMs: number): boolean {
    const r = this.one.get(account, id, id) as Row | undefined;
    if (!r || fromRow(r, atMs).state !== 'queued') return false;
    this.markDeleted.run(r.id);
    return true;
  }

  setTags(account: string, arn: string, tags: Record<string, string>): boolean {
    const r = this.one.get(account, arn, arn) as Row | undefined;
    if (!r) return false;
    this.updateTags.run(JSON.stringify({ ...JSON.parse(r.tags), ...tags }), r.id);
    return true;
  }

  removeTags(account: string, arn: string, keys: string[]): boolean {
    const r = this.one.get(account, arn, arn) as Row | undefined;
    if (!r) return false;
    const tags = JSON.parse(r.tags) as Record<string, string>;
    for (const k of keys) delete tags[k];
    this.updateTags.run(JSON.stringify(tags), r.id);
    return true;
  }

  /** Plans of an account (not deleted) whose term overlaps [fromMs, toMs): the rater's input. */
  overlapping(account: string, fromMs: number, toMs: number): SavingsPlan[] {
    return (this.overlapStmt.all(account, toMs, fromMs) as Row[]).map((r) => fromRow(r, toMs));
  }
}

function fromRow(r: Row, atMs: number): SavingsPlan {
  const state: SavingsPlan['state'] = r.deleted ? 'queued-deleted' : atMs < r.start_ms ? 'queued' : atMs < r.end_ms ? 'active' : 'retired';
  return {
    id: r.id, arn: r.arn, account: r.account, offeringId: r.offering_id, planType: r.plan_type, paymentOption: r.payment_option,
    ...(r.instance_family != null && { instanceFamily: r.instance_family }), ...(r.region != null && { region: r.region }),
    commitment: r.commitment, upfrontPaymentAmount: r.upfront, recurringPaymentAmount: r.recurring, startMs: r.start_ms, endMs: r.end_ms,
    state, tags: JSON.parse(r.tags) as Record<string, string>,
  };
}
