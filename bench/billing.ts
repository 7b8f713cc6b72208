// npm run bench:billing — rating a month of per-second usage. 1,000 instances run January 2026 (744 hours) with many
// start/stop intervals each (per-second start and stop times), in a mix of purchase options: On-Demand, spot,
// instances on dedicated hosts, regional RIs (size-flexible), an EC2 Instance Savings Plan and a Compute Savings Plan,
// plus Fargate tasks. Usage lives in a temporary SQLite file (WAL, like `nimbus up`). The measured call is
// billing.lineItems(account, month start, month end): SQL reads + the hour-by-hour sweep + RI/SP application.
// Target (issue 6): well under 1 s for the month.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/core/clock.ts';
import { silentLogger } from '../src/core/log.ts';
import { openBilling } from '../src/engines/billing/index.ts';
import { prng } from '../src/engines/billing/stable-ids.ts';
import type { LineItem } from '../src/engines/billing/types.ts';
import { openDb } from '../src/store/db.ts';
import { ms, table } from './support.ts';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ACCOUNT = '000000000000';
const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2026, 1, 1); // 744 hours
const TYPES = ['t3.micro', 't3.large', 'm7i.large', 'm7i.xlarge', 'm7i.2xlarge', 'c7i.large', 'c7i.xlarge', 'r7i.large', 'r7i.2xlarge', 'i4i.large'];
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-billing-'));
const db = openDb(join(dir, 'state.db'));
const clock = new ManualClock(TO + HOUR);
const billing = openBilling({ db, clock, log: silentLogger });
const rnd = prng(42);
const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;

// --- the workload -------------------------------------------------------------------------------------------------
let intervals = 0;
const tPopulate = performance.now();
db.transaction(() => {
  // 4 dedicated hosts (m7i), allocated all month.
  for (let h = 0; h < 4; h++) {
    billing.meter.open({ account: ACCOUNT, region: 'us-east-1', az: AZS[h % 3]!, kind: 'host', resourceId: `h-${h}`, hostFamily: 'm7i', market: 'on-demand', tenancy: 'host', startMs: FROM });
    billing.meter.close(`h-${h}`, TO);
    intervals++;
  }
  for (let i = 0; i < INSTANCES; i++) {
    const id = `i-${i.toString(16).padStart(17, '0')}`;
    const r = rnd();
    // 20 % spot, 5 % on a dedicated host, 3 % Fargate tasks, the rest On-Demand (RIs and plans decide what it costs).
    const market = r < 0.2 ? 'spot' as const : 'on-demand' as const;
    const onHost = r >= 0.2 && r < 0.25;
    const task = r >= 0.25 && r < 0.28;
    const type = onHost ? pick(['m7i.large', 'm7i.xlarge']) : pick(TYPES);
    const az = pick(AZS);
    // Alternating run/stop periods of 1 minute to 3 days, at per-second times: ~20–40 intervals per instance.
    let t = FROM + Math.floor(rnd() * 6 * HOUR / 1000) * 1000;
    while (t < TO) {
      const runFor = Math.floor((rnd() < 0.1 ? 20 + rnd() * 100 : 600 + rnd() * 60 * 3600)) * 1000;
      const end = Math.min(TO, t + runFor);
      if (task) {
        billing.meter.open({ account: ACCOUNT, region: 'us-east-1', az, kind: 'task', resourceId: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/bench/${id}-${intervals}`, market: 'on-demand', tenancy: 'default', vcpu: pick([0.25, 0.5, 1, 2]), memoryGiB: pick([0.5, 1, 2, 4]), startMs: t });
        billing.meter.close(`arn:aws:ecs:us-east-1:${ACCOUNT}:task/bench/${id}-${intervals}`, end);
      } else {
        billing.meter.open({ account: ACCOUNT, region: 'us-east-1', az, kind: 'instance', resourceId: id, instanceType: type, market, tenancy: onHost ? 'host' : 'default', ...(onHost && { hostId: `h-${i % 4}` }), startMs: t });
        billing.meter.close(id, end);
      }
      intervals++;
      t = end + Math.floor(rnd() * 12 * 3600) * 1000;
    }
  }
})();
// Regional RIs bought before the month (size-flexible: they cover mixed sizes of their family).
const riFor = (type: string, count: number, payment: 'All Upfront' | 'Partial Upfront' | 'No Upfront') => {
  const o = billing.reserved.offerings('us-east-1', { instanceType: type, offeringClass: 'standard', offeringType: payment, durationSec: 31_536_000 })[0]!;
  billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, count, FROM - 30 * 24 * HOUR);
};
riFor('m7i.large', 60, 'No Upfront');
riFor('c7i.xlarge', 20, 'All Upfront');
riFor('t3.micro', 100, 'Partial Upfront');
riFor('r7i.large', 30, 'No Upfront');
// Savings Plans: an EC2 Instance plan for r7i, a Compute plan for the rest (bought mid-month: upfront in range).
const ec2sp = billing.savingsPlans.offerings({ planTypes: ['EC2Instance'], instanceFamily: 'r7i', region: 'us-east-1', paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
billing.savingsPlans.create(ACCOUNT, { offeringId: ec2sp.offeringId, commitment: 3 }, FROM - 24 * HOUR);
const csp = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['Partial Upfront'], durationsSec: [94_608_000] })[0]!;
billing.savingsPlans.create(ACCOUNT, { offeringId: csp.offeringId, commitment: 12 }, FROM + 10 * 24 * HOUR);
const populateMs = performance.now() - tPopulate;

// --- the measurement ----------------------------------------------------------------------------------------------
const sqlTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  billing.meter.intervals(ACCOUNT, FROM, TO);
  sqlTimes.push(performance.now() - t0);
}
const sqlMs = [...sqlTimes].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
const times: number[] = [];
const cpuTimes: number[] = [];
let items: LineItem[] = [];
for (let i = 0; i < RUNS; i++) {
  items = [];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  items = billing.lineItems(ACCOUNT, FROM, TO);
  const c = process.cpuUsage(c0);
  times.push(performance.now() - t0);
  cpuTimes.push((c.user + c.system) / 1000);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;

const byPurchase = new Map<string, { n: number; unblended: number; amortized: number; onDemand: number }>();
for (const l of items) {
  const k = byPurchase.get(l.purchaseType) ?? { n: 0, unblended: 0, amortized: 0, onDemand: 0 };
  k.n++;
  k.unblended += l.unblendedCost;
  k.amortized += l.amortizedCost;
  k.onDemand += l.onDemandCost;
  byPurchase.set(l.purchaseType, k);
}
const usd = (x: number) => `$${x.toFixed(2)}`;

console.log(`\nbench:billing — ${INSTANCES} instances, January 2026 (744 h), ${intervals.toLocaleString()} intervals (populated in ${ms(populateMs)})\n`);
console.log(table([
  ['measure', 'value', 'target'],
  ['lineItems(month), first run', ms(times[0]!), '< 1000 ms'],
  ['lineItems(month), fastest', ms(sorted[0]!), '< 1000 ms'],
  [`lineItems(month), median of ${RUNS}`, ms(median), '< 1000 ms'],
  [`CPU time (all threads, incl. GC), median`, ms([...cpuTimes].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!), ''],
  ['  of which: SQL read of the intervals (median)', ms(sqlMs), ''],
  ['line items', items.length.toLocaleString(), ''],
  ['rated per second', `${Math.round(items.length / (median / 1000)).toLocaleString()} lines/s`, ''],
]));
console.log('\n' + table([
  ['purchase type', 'lines', 'unblended', 'amortized', 'on-demand equivalent'],
  ...[...byPurchase.entries()].sort().map(([k, v]) => [k, v.n.toLocaleString(), usd(v.unblended), usd(v.amortized), usd(v.onDemand)]),
  ['total', items.length.toLocaleString(), usd([...byPurchase.values()].reduce((a, v) => a + v.unblended, 0)), usd([...byPurchase.values()].reduce((a, v) => a + v.amortized, 0)), usd([...byPurchase.values()].reduce((a, v) => a + v.onDemand, 0))],
]));
console.log(`\n${median < 1000 ? 'OK' : 'SLOW'}: a month of 1,000 instances rated in ${ms(median)} (target < 1 s)`);

billing.close();
db.close();
rmSync(dir, { recursive: true, force: true });
