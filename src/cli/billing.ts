import { endpointOf, parseArgs } from './args.ts';
import type { Bill } from '../gateway/bill-route.ts';

// `nimbus bill`, `nimbus clock`, `nimbus spot reclaim`: the learner's side of pricing. They read Nimbus's internal
// routes (/_nimbus/billing/bill, /_nimbus/clock, /_nimbus/spot/reclaim) on the gateway.

export const BILLING_HELP = `nimbus bill [--month 2026-11] [--account 000000000000] [--json]   a readable bill of what really ran
nimbus clock [advance <30d|36h|15m|90s>]     show or move Nimbus's (simulated) clock forward
nimbus spot reclaim <instance-id>            reclaim a spot instance: 2-minute notice in IMDS, then interruption`;

type Out = (line: string) => void;

async function call(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, init).catch((err: Error) => {
    throw new Error(`cannot reach Nimbus at ${new URL(url).origin} (${err.message}); is it running?`);
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

const usd = (n: number) => `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;
const qty = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 3 : 1));

/** The bill as text: services, then their lines, then totals and what the same usage would cost On-Demand. */
export function formatBill(b: Bill): string[] {
  const out = [`Nimbus bill for account ${b.account}, ${b.month}  (${b.from.slice(0, 16).replace('T', ' ')} – ${b.to.slice(0, 16).replace('T', ' ')} UTC)`, ''];
  if (!b.services.length) out.push('  Nothing ran this month.');
  for (const s of b.services) {
    out.push(`${s.service.padEnd(60)} ${usd(s.cost).padStart(12)}`);
    for (const l of s.lines) {
      out.push(`  ${l.purchaseType.padEnd(30)} ${l.usageType.padEnd(28)} ${`${qty(l.quantity)} ${l.unit}`.padStart(18)} ${usd(l.cost).padStart(12)}`);
    }
    out.push('');
  }
  out.push(`${'Total'.padEnd(60)} ${usd(b.total).padStart(12)}`);
  const usageCost = b.services.flatMap((s) => s.lines).filter((l) => l.onDemandCost > 0).reduce((x, l) => x + l.cost, 0);
  if (b.onDemandEquivalent > 0 && Math.abs(b.onDemandEquivalent - usageCost) > 1e-9) {
    out.push(`${'The same usage at On-Demand prices'.padEnd(60)} ${usd(b.onDemandEquivalent).padStart(12)}`);
  }
  return out;
}

export async function billCommand(args: string[], out: Out = (l) => console.log(l)): Promise<number> {
  const { flags } = parseArgs(args);
  const q = new URLSearchParams();
  if (typeof flags.month === 'string') q.set('month', flags.month);
  if (typeof flags.account === 'string') q.set('account', flags.account);
  const bill = (await call(`${endpointOf(flags)}/_nimbus/billing/bill${q.size ? `?${q}` : ''}`)) as Bill;
  if (flags.json) out(JSON.stringify(bill, null, 2));
  else formatBill(bill).forEach((l) => out(l));
  return 0;
}

export async function clockCommand(args: string[], out: Out = (l) => console.log(l)): Promise<number> {
  const { positional, flags } = parseArgs(args);
  const url = `${endpointOf(flags)}/_nimbus/clock`;
  let clock: { now: string; speed: number };
  if (positional[0] === 'advance') {
    if (!positional[1]) throw new Error('usage: nimbus clock advance <30d|36h|15m|90s>');
    clock = await call(url, { method: 'POST', body: JSON.stringify({ advance: positional[1] }) });
  } else if (!positional.length) clock = await call(url);
  else throw new Error('usage: nimbus clock [advance <duration>]');
  out(`${clock.now}${clock.speed !== 1 ? `  (running ${clock.speed}× real time)` : ''}`);
  return 0;
}

export async function spotCommand(args: string[], out: Out = (l) => console.log(l)): Promise<number> {
  const { positional, flags } = parseArgs(args);
  if (positional[0] !== 'reclaim' || !positional[1]) throw new Error('usage: nimbus spot reclaim <instance-id>');
  const r = await call(`${endpointOf(flags)}/_nimbus/spot/reclaim`, { method: 'POST', body: JSON.stringify({ instanceId: positional[1] }) });
  out(`${positional[1]}: ${r.action ?? 'interruption'} at ${r.time ?? '(in 2 minutes)'} — the instance can read it from http://169.254.169.254/latest/meta-data/spot/instance-action`);
  return 0;
}
