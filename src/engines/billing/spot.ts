import type { Catalog } from './catalog/catalog.ts';
import { familyOf } from './catalog/catalog.ts';
import { fnv1a, prng } from './stable-ids.ts';
import type { SpotMarket } from './types.ts';

const HOUR = 3_600_000;
/** The walk is computed a week at a time (168 hourly steps from a hashed anchor) and cached. */
const SEGMENT_HOURS = 168;
/** The letters of the AZs EC2 offers in every region (src/services/ec2/network.ts AZ_LETTERS). */
const AZ_LETTERS = ['a', 'b', 'c'];

/** One (region, AZ, type)'s price series: hour index (ms / 1 h) → USD/hour, computed a week at a time. */
export class SpotSeries {
  private readonly weeks = new Map<number, Float64Array>();
  private readonly key: string;
  private readonly params;

  constructor(region: string, az: string, readonly instanceType: string, private readonly onDemand: number, catalog: Catalog) {
    this.key = `${region}|${az}|${instanceType}`;
    this.params = catalog.spotParams(familyOf(instanceType));
  }

  /** Price in effect during hour `hourIndex` (= floor(ms / 3600000)). */
  at(hourIndex: number): number {
    const seg = Math.floor(hourIndex / SEGMENT_HOURS);
    let w = this.weeks.get(seg);
    if (!w) {
      if (this.weeks.size >= 64) this.weeks.clear(); // bounded memory in a long-running server
      w = this.week(seg);
      this.weeks.set(seg, w);
    }
    return w[hourIndex - seg * SEGMENT_HOURS]!;
  }

  /** The anchor (fraction of On-Demand) a week starts from: anywhere in the middle 80 % of the band. */
  private anchor(seg: number): number {
    const { base, band } = this.params;
    return base + band * 0.8 * (2 * prng(fnv1a(`${this.key}|anchor|${seg}`))() - 1);
  }

  /**
   * A bounded random walk from this week's anchor towards the next week's: each hour the price moves with
   * probability `changeProbability` by a random step (≤ maxStep) plus a pull towards the next anchor, reflected at
   * the band's edges; the last hour lands on the next anchor, so weeks join without a jump. Prices are rounded to
   * 1/10000 USD (AWS quotes spot prices to 4 decimals), so most hours repeat the previous price.
   */
  private week(seg: number): Float64Array {
    const { base, band, maxStep, changeProbability } = this.params;
    const lo = base - band;
    const hi = base + band;
    const rnd = prng(fnv1a(`${this.key}|walk|${seg}`));
    const next = this.anchor(seg + 1);
    let f = this.anchor(seg);
    const out = new Float64Array(SEGMENT_HOURS);
    for (let i = 0; i < SEGMENT_HOURS; i++) {
      const remaining = SEGMENT_HOURS - i;
      if (i > 0 && rnd() < changeProbability) {
        f += (2 * rnd() - 1) * maxStep + (next - f) / remaining;
        if (f > hi) f = 2 * hi - f;
        if (f < lo) f = 2 * lo - f;
      }
      out[i] = Math.max(0.0001, Math.round(this.onDemand * f * 10_000) / 10_000);
    }
    return out;
  }
}

/**
 * Simulated spot market. AWS: prices follow long-term supply and demand per AZ. Here: a deterministic bounded random
 * walk per (region, AZ, type), seeded from a hash, so the price at a time is the same on every start and on every
 * machine, and DescribeSpotPriceHistory is stable.
 */
const MAX_HISTORY_HOURS = 366 * 24;

export class SimulatedSpotMarket implements SpotMarket {
  private readonly series = new Map<string, SpotSeries | null>();

  constructor(private readonly catalog: Catalog) {}

  /** The (cached) price series of a type in an AZ, undefined for a type without an On-Demand price. */
  seriesOf(region: string, az: string, instanceType: string): SpotSeries | undefined {
    const key = `${region}|${az}|${instanceType}`;
    let s = this.series.get(key);
    if (s === undefined) {
      const od = this.catalog.onDemandHourly(region, instanceType);
      s = od === undefined ? null : new SpotSeries(region, az, instanceType, od, this.catalog);
      this.series.set(key, s);
    }
    return s ?? undefined;
  }

  price(region: string, az: string, instanceType: string, atMs: number): number {
    return this.seriesOf(region, az, instanceType)?.at(Math.floor(atMs / HOUR)) ?? 0;
  }

  history(region: string, q: { az?: string; instanceTypes?: string[]; fromMs: number; toMs: number }): { az: string; instanceType: string; price: number; timestamp: number }[] {
    const azs = q.az ? [q.az] : AZ_LETTERS.map((l) => `${region}${l}`);
    const types = q.instanceTypes?.length ? q.instanceTypes : this.catalog.instanceTypes();
    // At most a year of hours per series: callers clamp to AWS's 90 days; this guards the engine against a range of
    // centuries (which would walk the market hour by hour for minutes).
    const last = Math.floor(q.toMs / HOUR);
    const first = Math.max(Math.floor(q.fromMs / HOUR), last - MAX_HISTORY_HOURS);
    const out: { az: string; instanceType: string; price: number; timestamp: number }[] = [];
    for (const az of azs) {
      for (const type of types) {
        const s = this.seriesOf(region, az, type);
        if (!s) continue;
        // The price in effect at fromMs, stamped with the hour it took effect (looking back at most two weeks).
        let since = first;
        const p0 = s.at(first);
        while (since > first - 2 * SEGMENT_HOURS && s.at(since - 1) === p0) since--;
        out.push({ az, instanceType: type, price: p0, timestamp: since * HOUR });
        let prev = p0;
        for (let h = first + 1; h <= last; h++) {
          const p = s.at(h);
          if (p !== prev) out.push({ az, instanceType: type, price: p, timestamp: h * HOUR });
          prev = p;
        }
      }
    }
    return out.sort((a, b) => b.timestamp - a.timestamp || a.az.localeCompare(b.az) || a.instanceType.localeCompare(b.instanceType));
  }
}
