import type { Clock } from '../core/clock.ts';
import type { Billing, LineItem } from '../engines/billing/types.ts';
import { jsonResponse as json, type HttpRequest, type HttpResponse } from '../protocol/types.ts';

// GET /_nimbus/billing/bill?month=2026-11&account=000000000000 — one month's bill as JSON for `nimbus bill` and the
// console: the rated line items of the billing engine summed per service and per (purchase type, usage type).
// AWS's bill groups the same way (service → usage type); it has no such endpoint, Cost Explorer is the API.


export interface BillLine { purchaseType: string; usageType: string; unit: string; quantity: number; cost: number; onDemandCost: number }
export interface BillSection { service: string; cost: number; lines: BillLine[] }
export interface Bill {
  account: string;
  month: string;
  from: string;
  to: string;
  total: number;
  onDemandEquivalent: number;
  services: BillSection[];
}

/** Sums line items the way a bill presents them. `onDemandEquivalent` counts usage only (fees have no On-Demand twin). */
export function summarizeBill(account: string, month: string, fromMs: number, toMs: number, items: LineItem[]): Bill {
  const services = new Map<string, Map<string, BillLine>>();
  for (const it of items) {
    const lines = services.get(it.service) ?? new Map<string, BillLine>();
    services.set(it.service, lines);
    const key = `${it.purchaseType}\u0000${it.usageType}`;
    const line = lines.get(key) ?? { purchaseType: it.purchaseType, usageType: it.usageType, unit: it.unit, quantity: 0, cost: 0, onDemandCost: 0 };
    line.quantity += it.quantity;
    line.cost += it.unblendedCost;
    line.onDemandCost += it.onDemandCost;
    lines.set(key, line);
  }
  const sections = [...services.entries()].map(([service, lines]) => {
    const list = [...lines.values()].sort((a, b) => b.cost - a.cost || a.usageType.localeCompare(b.usageType));
    return { service, cost: list.reduce((s, l) => s + l.cost, 0), lines: list };
  }).sort((a, b) => b.cost - a.cost);
  return {
    account, month, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(),
    total: sections.reduce((s, x) => s + x.cost, 0),
    onDemandEquivalent: items.reduce((s, it) => s + it.onDemandCost, 0),
    services: sections,
  };
}

/** [start of month, min(start of next month, now)) for 'YYYY-MM' (default: the clock's current month). */
export function monthRange(month: string | undefined, nowMs: number): { month: string; fromMs: number; toMs: number } | undefined {
  const now = new Date(nowMs);
  const m = /^(\d{4})-(\d{2})$/.exec(month ?? `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return undefined;
  const fromMs = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const end = Date.UTC(Number(m[1]), Number(m[2]), 1);
  return { month: `${m[1]}-${m[2]}`, fromMs, toMs: Math.max(fromMs, Math.min(end, nowMs)) };
}

export function billRoute(billing: Billing, clock: Clock) {
  return (req: HttpRequest): HttpResponse | undefined => {
    if (req.path !== '/_nimbus/billing/bill') return undefined;
    const q = new URLSearchParams(req.query);
    const account = q.get('account') ?? '000000000000';
    if (!/^\d{12}$/.test(account)) return json(400, { message: 'account must be 12 digits' });
    const range = monthRange(q.get('month') ?? undefined, clock.now());
    if (!range) return json(400, { message: 'month must look like 2026-11' });
    return json(200, summarizeBill(account, range.month, range.fromMs, range.toMs, billing.lineItems(account, range.fromMs, range.toMs)));
  };
}
