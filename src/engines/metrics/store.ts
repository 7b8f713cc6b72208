import type { Db } from '../../store/db.ts';
import type { Point } from './types.ts';

// All SQL of the metrics engine.

export interface SeriesRow { id: number; account: string; region: string; namespace: string; name: string; dims: string; last_ts: number }
export interface PointRow { series_id: number; ts: number; n: number; sum: number; min: number; max: number; unit: string; dist: string | null }
export interface AlarmRow { account: string; region: string; name: string; data: string }
export interface HistoryRow { id: number; account: string; region: string; alarm_name: string; ts: number; type: string; summary: string; data: string }

export class MetricsStore {
  private insertPoint;
  private touchSeries;
  constructor(readonly db: Db) {
    this.insertPoint = db.prepare('INSERT INTO metric_points (series_id, ts, n, sum, min, max, unit, dist) VALUES (?,?,?,?,?,?,?,?)');
    this.touchSeries = db.prepare('UPDATE metric_series SET last_ts = MAX(last_ts, ?) WHERE id = ?');
  }

  loadSeries(): SeriesRow[] {
    return this.db.prepare('SELECT * FROM metric_series').all() as SeriesRow[];
  }

  insertSeries(r: Omit<SeriesRow, 'id'>): number {
    return Number(this.db.prepare('INSERT INTO metric_series (account, region, namespace, name, dims, last_ts) VALUES (?,?,?,?,?,?)')
      .run(r.account, r.region, r.namespace, r.name, r.dims, r.last_ts).lastInsertRowid);
  }

  /** One transaction for everything put during one turn of the event loop. */
  writeBatch(points: Array<{ seriesId: number; p: Point }>): void {
    this.db.transaction(() => {
      const last = new Map<number, number>();
      for (const { seriesId, p } of points) {
        this.insertPoint.run(seriesId, p.ts, p.n, p.sum, p.min, p.max, p.unit, p.dist ? JSON.stringify(p.dist) : null);
        last.set(seriesId, Math.max(last.get(seriesId) ?? 0, p.ts));
      }
      for (const [id, ts] of last) this.touchSeries.run(ts, id);
    })();
  }

  points(seriesId: number, from: number, to: number): Point[] {
    const rows = this.db.prepare('SELECT * FROM metric_points WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts').all(seriesId, from, to) as PointRow[];
    return rows.map((r) => ({ ts: r.ts, n: r.n, sum: r.sum, min: r.min, max: r.max, unit: r.unit, ...(r.dist ? { dist: JSON.parse(r.dist) as Array<[number, number]> } : {}) }));
  }

  /** Retention: points older than `before`, and series with nothing newer. Returns the ids of series dropped. */
  expire(before: number): number[] {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM metric_points WHERE ts < ?').run(before);
      const gone = (this.db.prepare('SELECT id FROM metric_series WHERE last_ts < ?').all(before) as { id: number }[]).map((r) => r.id);
      this.db.prepare('DELETE FROM metric_series WHERE last_ts < ?').run(before);
      return gone;
    })();
  }

  // ---- alarms ---------------------------------------------------------------------------------------------

  loadAlarms(): AlarmRow[] {
    return this.db.prepare('SELECT * FROM metric_alarms').all() as AlarmRow[];
  }

  saveAlarm(r: AlarmRow, history?: Omit<HistoryRow, 'id'>[]): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO metric_alarms (account, region, name, data) VALUES (?,?,?,?) ON CONFLICT (account, region, name) DO UPDATE SET data = excluded.data')
        .run(r.account, r.region, r.name, r.data);
      for (const h of history ?? []) this.addHistoryRow(h);
    })();
  }

  deleteAlarm(account: string, region: string, name: string): void {
    this.db.prepare('DELETE FROM metric_alarms WHERE account = ? AND region = ? AND name = ?').run(account, region, name);
  }

  addHistory(h: Omit<HistoryRow, 'id'>): void {
    this.addHistoryRow(h);
  }

  private addHistoryRow(h: Omit<HistoryRow, 'id'>): void {
    this.db.prepare('INSERT INTO metric_alarm_history (account, region, alarm_name, ts, type, summary, data) VALUES (?,?,?,?,?,?,?)')
      .run(h.account, h.region, h.alarm_name, h.ts, h.type, h.summary, h.data);
  }

  history(account: string, region: string, f: { name?: string; type?: string; from?: number; to?: number }): HistoryRow[] {
    const where = ['account = ?', 'region = ?'];
    const args: unknown[] = [account, region];
    if (f.name) (where.push('alarm_name = ?'), args.push(f.name));
    if (f.type) (where.push('type = ?'), args.push(f.type));
    if (f.from !== undefined) (where.push('ts >= ?'), args.push(f.from));
    if (f.to !== undefined) (where.push('ts <= ?'), args.push(f.to));
    return this.db.prepare(`SELECT * FROM metric_alarm_history WHERE ${where.join(' AND ')} ORDER BY ts, id`).all(...args) as HistoryRow[];
  }

  expireHistory(before: number): void {
    this.db.prepare('DELETE FROM metric_alarm_history WHERE ts < ?').run(before);
  }
}
