import type { Clock } from '../../core/clock.ts';
import type { Billing, SavingsPlan } from '../../engines/billing/types.ts';
import { fingerprint, page } from '../pricing/paging.ts';
import { ResourceNotFoundException, ServiceQuotaExceededException, ValidationException } from './errors.ts';
import { filterValues, pageSize, tokenErrors, type SpHandlers } from './common.ts';
import { iso, planShape, rateFields, rateShape, termLabel } from './shapes.ts';

// Purchased plans: CreateSavingsPlan, DescribeSavingsPlans, DescribeSavingsPlanRates, DeleteQueuedSavingsPlan and tags.

const MAX_TAGS = 50;
/** A purchaseTime this much before "now" still counts as now (client and server clocks differ). */
const PURCHASE_TIME_SLACK_MS = 60_000;

/**
 * A money amount given as a string: digits with an optional fraction, at most `decimals` of them, greater than 0.
 * AWS: commitment is USD per hour with up to 3 decimal places (minimum 0.001).
 */
export function parseAmount(raw: unknown, field: string, decimals: number, allowZero = false): number {
  if (typeof raw !== 'string' || !/^-?\d+(\.\d+)?$/.test(raw.trim())) throw new ValidationException(`${field} must be a number (got ${JSON.stringify(raw)})`);
  const s = raw.trim();
  const value = Number(s);
  if (value < 0 || (!allowZero && value === 0)) throw new ValidationException(`${field} must be greater than ${allowZero ? 'or equal to ' : ''}0`);
  const frac = s.split('.')[1] ?? '';
  if (frac.replace(/0+$/, '').length > decimals) throw new ValidationException(`${field} can have at most ${decimals} decimal places`);
  return value;
}

function checkTags(tags: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(tags ?? {})) {
    if (!k || k.length > 128 || k.startsWith('aws:')) throw new ValidationException(`Invalid tag key: ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.length > 256) throw new ValidationException(`Invalid value for tag ${k}`);
  }
}

export function planHandlers(deps: { billing: Pick<Billing, 'savingsPlans'>; clock: Clock }): SpHandlers<
  'CreateSavingsPlan' | 'DescribeSavingsPlans' | 'DescribeSavingsPlanRates' | 'DeleteQueuedSavingsPlan' | 'TagResource' | 'UntagResource' | 'ListTagsForResource'
> {
  const { billing, clock } = deps;
  const book = billing.savingsPlans;
  // clientToken → plan id, per account (idempotent retries of CreateSavingsPlan). Kept in memory.
  const tokens = new Map<string, { fp: string; id: string }>();

  const planById = (account: string, id: string): SavingsPlan => {
    const p = book.list(account, clock.now()).find((x) => x.id === id);
    if (!p) throw new ResourceNotFoundException(`Savings Plan ${id} not found`);
    return p;
  };
  const planByArn = (account: string, arn: string): SavingsPlan => {
    const p = book.list(account, clock.now()).find((x) => x.arn === arn);
    if (!p) throw new ResourceNotFoundException(`Resource ${arn} not found`);
    return p;
  };
  const shape = (p: SavingsPlan) => planShape(p, book.offering(p.offeringId));

  return {
    CreateSavingsPlan(input, ctx) {
      const now = clock.now();
      const offering = input.savingsPlanOfferingId ? book.offering(input.savingsPlanOfferingId) : undefined;
      if (!offering) throw new ResourceNotFoundException(`Savings Plan offering ${String(input.savingsPlanOfferingId)} not found`);
      const commitment = parseAmount(input.commitment, 'commitment', 3);
      let upfront: number | undefined;
      if (input.upfrontPaymentAmount !== undefined) {
        if (offering.paymentOption !== 'Partial Upfront') {
          throw new ValidationException(`upfrontPaymentAmount is only supported for the Partial Upfront payment option (offering ${offering.offeringId} is ${offering.paymentOption})`);
        }
        upfront = parseAmount(input.upfrontPaymentAmount, 'upfrontPaymentAmount', 2);
        const total = commitment * (offering.durationSec / 3600);
        if (upfront < total * 0.5 - 1e-9 || upfront > total * 0.99 + 1e-9) {
          throw new ValidationException(`upfrontPaymentAmount must be between 50 and 99 percent of the total value of the Savings Plan (${total.toFixed(2)} USD)`);
        }
      }
      let purchaseTimeMs: number | undefined;
      if (input.purchaseTime !== undefined) {
        const t = input.purchaseTime instanceof Date ? input.purchaseTime.getTime() : Number.NaN;
        if (Number.isNaN(t)) throw new ValidationException('purchaseTime is not a valid time');
        if (t < now - PURCHASE_TIME_SLACK_MS) throw new ValidationException(`purchaseTime ${iso(t)} is in the past`);
        purchaseTimeMs = t > now ? t : undefined;
      }
      checkTags(input.tags);
      if (Object.keys(input.tags ?? {}).length > MAX_TAGS) throw new ServiceQuotaExceededException(`A Savings Plan can have at most ${MAX_TAGS} tags`);
      const fp = fingerprint({ ...input, clientToken: undefined });
      const key = input.clientToken ? `${ctx.account}|${input.clientToken}` : undefined;
      if (key) {
        const seen = tokens.get(key);
        if (seen && seen.fp === fp) return { savingsPlanId: seen.id };
        if (seen) throw new ValidationException('clientToken was already used with different parameters');
      }
      const plan = book.create(ctx.account, { offeringId: offering.offeringId, commitment, upfrontPaymentAmount: upfront, purchaseTimeMs, tags: input.tags }, now);
      if (key) tokens.set(key, { fp, id: plan.id });
      return { savingsPlanId: plan.id };
    },

    DescribeSavingsPlans(input, ctx) {
      const f = filterValues(input.filters, ['region', 'ec2-instance-family', 'commitment', 'upfront', 'term', 'savings-plan-type', 'payment-option', 'start', 'end', 'instance-family']);
      const size = pageSize(input.maxResults, 1000);
      const plans = book.list(ctx.account, clock.now()).filter((p) => {
        if (input.savingsPlanIds?.length && !input.savingsPlanIds.includes(p.id)) return false;
        if (input.savingsPlanArns?.length && !input.savingsPlanArns.includes(p.arn)) return false;
        if (input.states?.length && !input.states.includes(p.state)) return false;
        for (const [name, values] of f) {
          const term = termLabel(p.endMs / 1000 - p.startMs / 1000);
          const ok = name === 'region' ? values.includes(p.region ?? '')
            : name === 'ec2-instance-family' || name === 'instance-family' ? values.includes(p.instanceFamily ?? '')
              : name === 'commitment' ? values.some((v) => Number(v) === p.commitment)
                : name === 'upfront' ? values.some((v) => Number(v) === p.upfrontPaymentAmount)
                  : name === 'term' ? values.some((v) => [term, term.replace('yr', ''), String((p.endMs - p.startMs) / 1000)].includes(v))
                    : name === 'savings-plan-type' ? values.includes(p.planType)
                      : name === 'payment-option' ? values.includes(p.paymentOption)
                        : name === 'start' ? values.some((v) => iso(p.startMs).startsWith(v))
                          : values.some((v) => iso(p.endMs).startsWith(v));
          if (!ok) return false;
        }
        return true;
      });
      const out = page(plans, size, input.nextToken, fingerprint({ ...input, nextToken: undefined, maxResults: undefined }), tokenErrors);
      return { savingsPlans: out.items.map(shape), nextToken: out.nextToken };
    },

    DescribeSavingsPlanRates(input, ctx) {
      const plan = planById(ctx.account, input.savingsPlanId);
      const f = filterValues(input.filters, ['region', 'instanceType', 'productDescription', 'tenancy', 'productType', 'serviceCode', 'usageType', 'operation']);
      const size = pageSize(input.maxResults, 1000);
      const rates = book.rates(plan.offeringId).filter((r) => {
        const fields = rateFields(r);
        return [...f].every(([name, values]) => values.includes(fields[name] ?? '\0'));
      });
      const out = page(rates, size, input.nextToken, fingerprint({ ...input, nextToken: undefined, maxResults: undefined }), tokenErrors);
      return { savingsPlanId: plan.id, searchResults: out.items.map(rateShape), nextToken: out.nextToken };
    },

    DeleteQueuedSavingsPlan(input, ctx) {
      const plan = planById(ctx.account, input.savingsPlanId);
      if (plan.state !== 'queued') throw new ValidationException(`Savings Plan ${plan.id} is ${plan.state}: only queued Savings Plans can be deleted`);
      book.deleteQueued(ctx.account, plan.id, clock.now());
      return {};
    },

    TagResource(input, ctx) {
      const plan = planByArn(ctx.account, input.resourceArn);
      if (!input.tags || !Object.keys(input.tags).length) throw new ValidationException('tags must contain at least one tag');
      checkTags(input.tags);
      if (Object.keys({ ...plan.tags, ...input.tags }).length > MAX_TAGS) throw new ServiceQuotaExceededException(`A Savings Plan can have at most ${MAX_TAGS} tags`);
      book.setTags(ctx.account, plan.arn, input.tags);
      return {};
    },
    UntagResource(input, ctx) {
      const plan = planByArn(ctx.account, input.resourceArn);
      if (!input.tagKeys?.length) throw new ValidationException('tagKeys must contain at least one key');
      book.removeTags(ctx.account, plan.arn, input.tagKeys);
      return {};
    },
    ListTagsForResource(input, ctx) {
      return { tags: planByArn(ctx.account, input.resourceArn).tags };
    },
  };
}
