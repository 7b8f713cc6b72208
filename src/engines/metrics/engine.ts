import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { realScheduler, type Scheduler } from '../queue/scheduler.ts';
import { aggregate, bucketOrigin, dimsKey, normaliseStat, parseDimsKey, seriesKey, statOf, toPoint } from './aggregate.ts';
import { InvalidNextToken, InvalidParameterCombination, InvalidParameterValue, ValidationError } from './errors.ts';
import { evaluate, MathError, parseExpression, references, type MathValue } from './math.ts';
import { MetricsStore } from './store.ts';
import type { Bucket, Dimension, MetricDatum, MetricId, MetricsSource, Point, PutInput, Scope, Series, SourceDatum, StatisticsQuery } from './types.ts';

export interface MetricsEngineOptions {
  db: Db;
  clock?: Clock;
  scheduler?: Scheduler;
  log?: Logger;
  /** Seconds between collections of built-in metrics (NIMBUS_METRICS_PERIOD; AWS: 60). */
  collectPeriodSec?: number;
  /** How long points are kept (AWS: 15 days at 1-minute resolution). */
  retentionMs?: number;
}

interface SeriesMeta { id: number; account: string; region: string; namespace: string; name: string; dims: string; lastTs: number }

/** What subscribers hear about each stored point. */
export interface PointEvent {
  account: string;
  region: string;
  namespace: string;
  metricName: string;
  /** Canonical dimensions key (see dimsKey). */
  dims: string;
  point: Point;
}

export interface MetricQuery {
  id: string;
  metricStat?: { metric: MetricId; period: number; stat: string; unit?: string };
  expression?: string;
  label?: string;
  returnData?: boolean;
  period?: number;
}

export interface MetricDataResult {
  id: string;
  label: string;
  timestamps: number[];
  values: number[];
  statusCode: 'Complete' | 'PartialData' | 'InternalError';
  messages?: Array<{ code: string; value: string }>;
}

const DAY = 86_400_000;
export const RETENTION_MS = 15 * DAY;
const RECENT_MS = 3 * 3600_000;
const LIST_PAGE = 500;
const SWEEP_MS = 3600_000;

/** Sources registered for every engine in the process (see registerSource in index.ts). */
export const globalSources = new Set<MetricsSource>();
const liveEngines = new Set<MetricsEngine>();

/** Process-wide source: collected by every metrics engine of the process. Returns the unregister function. */
export function registerGlobalSource(source: MetricsSource): () => void {
  globalSources.add(source);
  for (const e of liveEngines) e.startCollecting();
  return () => globalSources.delete(source);
}

export function validPeriod(p: number | undefined): boolean {
  return p !== undefined && Number.isInteger(p) && p >= 1 && ([1, 5, 10, 30].includes(p) || p % 60 === 0);
}

/**
 * The metrics engine behind CloudWatch: points in SQLite (group commit), aggregated on query; metric math;
 * built-in metric sources collected at every period boundary; a subscription hook for alarms.
 */
export class MetricsEngine {
  readonly store: MetricsStore;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log?: Logger;
  readonly collectPeriodSec: number;
  private retentionMs: number;
  private series = new Map<string, SeriesMeta>();
  private pending: Array<{ seriesId: number; p: Point }> = [];
  private waiting?: { promise: Promise<void>; resolve(): void; reject(e: unknown): void };
  private flushTimer?: NodeJS.Immediate;
  private listeners = new Set<(e: PointEvent) => void>();
  private sources = new Set<MetricsSource>();
  private collectTimer?: unknown;
  private sweepTimer?: unknown;
  private closed = false;
  private collecting = false;

  constructor(opts: MetricsEngineOptions) {
    this.store = new MetricsStore(opts.db);
    this.clock = opts.clock ?? systemClock;
    this.scheduler = opts.scheduler ?? realScheduler;
    this.log = opts.log;
    this.collectPeriodSec = Math.max(1, Math.floor(opts.collectPeriodSec ?? 60));
    this.retentionMs = opts.retentionMs ?? RETENTION_MS;
    for (const r of this.store.loadSeries()) {
      this.series.set(seriesKey(r.account, r.region, r.namespace, r.name, r.dims), { id: r.id, account: r.account, region: r.region, namespace: r.namespace, name: r.name, dims: r.dims, lastTs: r.last_ts });
    }
    this.sweep();
    liveEngines.add(this);
    if (globalSources.size) this.scheduleCollect();
  }

  /** (Re)starts the collection timer if there are sources. */
  startCollecting(): void {
    this.scheduleCollect();
  }

  // ---- writing --------------------------------------------------------------------------------------------

  /** Stores data (validated by the caller); resolves once committed. */
  put(account: string, region: string, data: PutInput | PutInput[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const now = this.clock.now();
    for (const d of Array.isArray(data) ? data : [data]) {
      const dims = dimsKey(d.dimensions);
      const key = seriesKey(account, region, d.namespace, d.metricName, dims);
      const res = d.storageResolution === 1 ? 1000 : 60_000;
      const ts = Math.floor((d.timestamp ?? now) / res) * res;
      let meta = this.series.get(key);
      if (!meta) {
        const id = this.store.insertSeries({ account, region, namespace: d.namespace, name: d.metricName, dims, last_ts: ts });
        meta = { id, account, region, namespace: d.namespace, name: d.metricName, dims, lastTs: ts };
        this.series.set(key, meta);
      }
      meta.lastTs = Math.max(meta.lastTs, ts);
      const p = toPoint(ts, d.unit ?? 'None', d);
      this.pending.push({ seriesId: meta.id, p });
      const ev: PointEvent = { account, region, namespace: d.namespace, metricName: d.metricName, dims, point: p };
      for (const l of this.listeners) {
        try {
          l(ev);
        } catch (err) {
          this.log?.error({ err }, 'metrics subscriber failed');
        }
      }
    }
    if (!this.waiting) {
      let resolve!: () => void, reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.waiting = { promise, resolve, reject };
    }
    this.flushTimer ??= setImmediate(() => this.flush());
    return this.waiting.promise;
  }

  /** In-process API for other engines: fire and forget (errors are logged). */
  publish(account: string, region: string, namespace: string, data: MetricDatum[]): void {
    this.put(account, region, data.map((d) => ({ ...d, namespace }))).catch((err) => this.log?.error({ err }, 'metrics publish failed'));
  }

  /** Writes pending points now (queries call this so they see every acknowledged put). */
  flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        this.store.writeBatch(batch);
      } catch (err) {
        this.log?.error({ err }, 'metrics: commit failed');
        waiting?.reject(err);
        return;
      }
    }
    waiting?.resolve();
  }

  // ---- subscriptions and sources -----------------------------------------------------------------------------

  /** Every stored point, as it is put (before it is committed). Returns the unsubscribe function. */
  subscribe(listener: (e: PointEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A built-in metrics source, collected at every collection period boundary. Returns the unregister function. */
  registerSource(source: MetricsSource): () => void {
    this.sources.add(source);
    this.scheduleCollect();
    return () => this.sources.delete(source);
  }

  private scheduleCollect(): void {
    if (this.closed || this.collectTimer !== undefined || (!this.sources.size && !globalSources.size)) return;
    const period = this.collectPeriodSec * 1000;
    const now = this.clock.now();
    const next = Math.floor(now / period) * period + period;
    this.collectTimer = this.scheduler.setTimeout(() => {
      this.collectTimer = undefined;
      void this.collectNow().finally(() => this.scheduleCollect());
    }, next - now, true);
  }

  /** Collects every source once (also for tests). */
  async collectNow(): Promise<void> {
    if (this.collecting || this.closed) return;
    this.collecting = true;
    const now = this.clock.now();
    try {
      const all: SourceDatum[] = [];
      for (const s of [...this.sources, ...globalSources]) {
        try {
          all.push(...(await s.collect(now)));
        } catch (err) {
          this.log?.warn({ err, source: s.name }, 'metrics source failed');
        }
      }
      const byScope = new Map<string, SourceDatum[]>();
      for (const d of all) {
        const k = `${d.account}\u0000${d.region}`;
        (byScope.get(k) ?? byScope.set(k, []).get(k)!).push({ storageResolution: this.collectPeriodSec < 60 ? 1 : 60, timestamp: now, ...d });
      }
      await Promise.all([...byScope.values()].map((list) => this.put(list[0]!.account, list[0]!.region, list)));
    } finally {
      this.collecting = false;
    }
  }

  // ---- reading --------------------------------------------------------------------------------------------

  private meta(scope: Scope, m: MetricId): SeriesMeta | undefined {
    return this.series.get(seriesKey(scope.account, scope.region, m.namespace, m.metricName, dimsKey(m.dimensions)));
  }

  /** Raw points of one metric in [from, to). */
  points(scope: Scope, m: MetricId, from: number, to: number): Point[] {
    const meta = this.meta(scope, m);
    if (!meta) return [];
    this.flush();
    return this.store.points(meta.id, from, to);
  }

  /** GetMetricStatistics: buckets of `period` seconds from StartTime (rounded down) to EndTime. */
  statistics(scope: Scope, q: StatisticsQuery): Bucket[] {
    const origin = bucketOrigin(q.start, q.period);
    const periods = Math.ceil((q.end - origin) / (q.period * 1000));
    if (periods > 1440) {
      throw new InvalidParameterCombination(`You have requested up to ${periods} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`);
    }
    return aggregate(this.points(scope, q, origin, q.end), origin, q.end, q.period, q.extendedStatistics ?? [], q.unit);
  }

  /** The series of one statistic (GetMetricData MetricStat, alarms). */
  statSeries(scope: Scope, m: MetricId, stat: string, period: number, start: number, end: number, unit?: string): Series {
    const origin = bucketOrigin(start, period);
    const buckets = aggregate(this.points(scope, m, origin, end), origin, end, period, stat.startsWith('p') ? [stat] : [], unit);
    return seriesOf(buckets, stat);
  }

  /** ListMetrics: metrics with a point in the last 15 days (3 hours with RecentlyActive=PT3H), 500 a page. */
  listMetrics(scope: Scope, f: { namespace?: string; metricName?: string; dimensions?: Array<{ name: string; value?: string }>; recentlyActive?: boolean; nextToken?: string }): { metrics: MetricId[]; nextToken?: string } {
    const now = this.clock.now();
    const since = now - (f.recentlyActive ? RECENT_MS : this.retentionMs);
    let after = 0;
    if (f.nextToken) {
      const n = Number(Buffer.from(f.nextToken, 'base64url').toString('utf8').replace(/^m:/, ''));
      if (!/^m:\d+$/.test(Buffer.from(f.nextToken, 'base64url').toString('utf8')) || !Number.isFinite(n)) throw new InvalidNextToken('The service cannot use the provided NextToken.');
      after = n;
    }
    const matches = [...this.series.values()]
      .filter((s) => s.account === scope.account && s.region === scope.region && s.lastTs >= since && s.id > after)
      .filter((s) => (!f.namespace || s.namespace === f.namespace) && (!f.metricName || s.name === f.metricName))
      .filter((s) => {
        if (!f.dimensions?.length) return true;
        const dims = parseDimsKey(s.dims);
        return f.dimensions.every((w) => dims.some((d) => d.name === w.name && (w.value === undefined || d.value === w.value)));
      })
      .sort((a, b) => a.id - b.id);
    const page = matches.slice(0, LIST_PAGE);
    return {
      metrics: page.map((s) => ({ namespace: s.namespace, metricName: s.name, dimensions: parseDimsKey(s.dims) })),
      ...(matches.length > LIST_PAGE ? { nextToken: Buffer.from(`m:${page[page.length - 1]!.id}`).toString('base64url') } : {}),
    };
  }

  /** account/region pairs that have metrics (for sources that must enumerate scopes). */
  scopes(): Scope[] {
    const seen = new Map<string, Scope>();
    for (const s of this.series.values()) seen.set(`${s.account}\u0000${s.region}`, { account: s.account, region: s.region });
    return [...seen.values()];
  }

  /**
   * GetMetricData: MetricStat queries and metric math. Results are ordered per ScanBy (TimestampDescending by
   * default); at most maxDatapoints values a page, NextToken for the rest.
   */
  getMetricData(scope: Scope, req: { queries: MetricQuery[]; start: number; end: number; scanBy?: string; maxDatapoints?: number; nextToken?: string }): { results: MetricDataResult[]; nextToken?: string } {
    const all = this.evaluateQueries(req.queries, (m, stat, period, unit) => this.statSeries(scope, m, stat, period, req.start, req.end, unit));
    const asc = req.scanBy === 'TimestampAscending';
    for (const r of all) {
      if (!asc) {
        r.timestamps.reverse();
        r.values.reverse();
      }
    }
    // Paging over the flattened values: the token is (result index, value index).
    let r0 = 0, i0 = 0;
    if (req.nextToken) {
      const m = /^d:(\d+):(\d+)$/.exec(Buffer.from(req.nextToken, 'base64url').toString('utf8'));
      if (!m || Number(m[1]) >= all.length) throw new InvalidNextToken('The service cannot use the provided NextToken.');
      r0 = Number(m[1]);
      i0 = Number(m[2]);
    }
    let budget = req.maxDatapoints ?? 100_800;
    const out: MetricDataResult[] = [];
    let next: string | undefined;
    for (let r = r0; r < all.length; r++) {
      const res = all[r]!;
      const from = r === r0 ? i0 : 0;
      const take = Math.min(budget, res.values.length - from);
      out.push({ ...res, timestamps: res.timestamps.slice(from, from + take), values: res.values.slice(from, from + take) });
      budget -= take;
      if (from + take < res.values.length) {
        out[out.length - 1]!.statusCode = 'PartialData';
        next = Buffer.from(`d:${r}:${from + take}`).toString('base64url');
        break;
      }
      if (budget <= 0 && r + 1 < all.length) {
        next = Buffer.from(`d:${r + 1}:0`).toString('base64url');
        break;
      }
    }
    return { results: out, ...(next ? { nextToken: next } : {}) };
  }

  /** Evaluates MetricStat and expression queries; shared with alarms (which feed their own series). */
  evaluateQueries(queries: MetricQuery[], fetch: (m: MetricId, stat: string, period: number, unit?: string) => Series): MetricDataResult[] {
    const byId = new Map<string, MetricQuery>();
    for (const q of queries) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.id)) throw new ValidationError(`The value ${q.id} for parameter MetricDataQueries.member.Id is not valid: it must start with a lowercase letter and contain only letters, numbers and underscores.`);
      if (byId.has(q.id)) throw new ValidationError(`The value ${q.id} for parameter MetricDataQueries.member.Id is not unique.`);
      if (!!q.metricStat === !!q.expression) throw new ValidationError(`Exactly one element of the MetricStat or the Expression field must be set for query ${q.id}.`);
      if (q.metricStat) {
        if (!validPeriod(q.metricStat.period)) throw new InvalidParameterValue(`The parameter MetricDataQueries.member.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60.`);
        if (!normaliseStat(q.metricStat.stat)) throw new InvalidParameterValue(`The parameter MetricDataQueries.member.MetricStat.Stat has an invalid value: ${q.metricStat.stat}.`);
      }
      byId.set(q.id, q);
    }
    const values = new Map<string, MathValue>();
    const visiting = new Set<string>();
    const parsed = new Map<string, ReturnType<typeof parseExpression>>();
    const metricIds = queries.filter((q) => q.metricStat).map((q) => q.id);
    const valueOf = (id: string): MathValue => {
      const done = values.get(id);
      if (done) return done;
      const q = byId.get(id);
      if (!q) throw new MathError(`Unrecognized identifier: ${id}`);
      if (visiting.has(id)) throw new MathError(`Circular dependency involving ${id}`);
      visiting.add(id);
      let v: MathValue;
      if (q.metricStat) {
        const s = fetch(q.metricStat.metric, normaliseStat(q.metricStat.stat)!, q.metricStat.period, q.metricStat.unit);
        v = { kind: 'series', s, label: q.label ?? q.metricStat.metric.metricName };
      } else {
        let node = parsed.get(id);
        if (!node) parsed.set(id, (node = parseExpression(q.expression!)));
        v = evaluate(node, {
          lookup: valueOf,
          metrics: () => metricIds.map((m) => {
            const x = valueOf(m) as { s: Series; label?: string };
            return { id: m, s: x.s, label: byId.get(m)!.label };
          }),
        });
      }
      visiting.delete(id);
      values.set(id, v);
      return v;
    };
    const results: MetricDataResult[] = [];
    for (const q of queries) {
      if (q.returnData === false) continue;
      let v: MathValue;
      try {
        if (q.expression) {
          const refs = references(parseExpression(q.expression));
          for (const r of refs.ids) if (!byId.has(r)) throw new MathError(`Unrecognized identifier: ${r}`);
        }
        v = valueOf(q.id);
      } catch (err) {
        if (err instanceof MathError) throw new ValidationError(`Error in expression '${q.id}': ${err.message}`);
        throw err;
      }
      const label = q.label ?? (q.metricStat ? q.metricStat.metric.metricName : q.id);
      if (v.kind === 'series') results.push(result(q.id, label, v.s));
      else if (v.kind === 'array') for (const e of v.a) results.push(result(q.id, q.label ? `${q.label} ${e.label ?? ''}`.trim() : (e.label ?? q.id), e.s));
      else {
        // A scalar: repeated on every timestamp the metric queries have.
        const grid = [...new Set(metricIds.flatMap((m) => (valueOf(m) as { s: Series }).s.ts))].sort((a, b) => a - b);
        results.push(result(q.id, label, { ts: grid, values: grid.map(() => v.v) }));
      }
    }
    return results;
  }

  // ---- housekeeping ---------------------------------------------------------------------------------------

  private sweep(): void {
    if (this.closed) return;
    try {
      this.flush();
      const gone = new Set(this.store.expire(this.clock.now() - this.retentionMs));
      if (gone.size) for (const [k, s] of this.series) if (gone.has(s.id)) this.series.delete(k);
    } catch (err) {
      this.log?.error({ err }, 'metrics retention sweep failed');
    }
    this.sweepTimer = this.scheduler.setTimeout(() => this.sweep(), SWEEP_MS, true);
  }

  /** Stops timers and writes what is pending. Leaves the db open. */
  close(): void {
    this.closed = true;
    liveEngines.delete(this);
    if (this.collectTimer !== undefined) this.scheduler.clearTimeout(this.collectTimer);
    if (this.sweepTimer !== undefined) this.scheduler.clearTimeout(this.sweepTimer);
    this.collectTimer = this.sweepTimer = undefined;
    this.flush();
  }
}

export function seriesOf(buckets: Bucket[], stat: string): Series {
  const s: Series = { ts: [], values: [] };
  for (const b of buckets) {
    const v = statOf(b, stat);
    if (v === undefined) continue;
    s.ts.push(b.ts);
    s.values.push(v);
  }
  return s;
}

function result(id: string, label: string, s: Series): MetricDataResult {
  return { id, label, timestamps: [...s.ts], values: [...s.values], statusCode: 'Complete' };
}

export type { Dimension };
