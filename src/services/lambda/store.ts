import type { Db } from '../../store/db.ts';
import type { EsmDoc, FunctionDoc } from './model.ts';

// SQL for Lambda (DESIGN: SQL only in store files). Function and mapping documents are JSON; the service keeps them
// in memory and writes each change through here in one transaction.
export class LambdaStore {
  constructor(readonly db: Db) {}

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  functions(): FunctionDoc[] {
    return (this.db.prepare('SELECT doc FROM lambda_functions').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as FunctionDoc);
  }
  saveFunction(f: FunctionDoc): void {
    this.db.prepare('INSERT INTO lambda_functions (account, region, name, doc) VALUES (?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc')
      .run(f.account, f.region, f.name, JSON.stringify(f));
  }
  deleteFunction(f: { account: string; region: string; name: string }): void {
    this.db.prepare('DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ?').run(f.account, f.region, f.name);
  }

  mappings(): EsmDoc[] {
    return (this.db.prepare('SELECT doc FROM lambda_event_source_mappings').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as EsmDoc);
  }
  saveMapping(m: EsmDoc): void {
    this.db.prepare('INSERT INTO lambda_event_source_mappings (uuid, account, region, doc) VALUES (?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET doc = excluded.doc')
      .run(m.uuid, m.account, m.region, JSON.stringify(m));
  }
  deleteMapping(uuid: string): void {
    this.db.prepare('DELETE FROM lambda_event_source_mappings WHERE uuid = ?').run(uuid);
  }

  // The durable async invocation queue.
  enqueueEvent(e: Omit<AsyncEventRow, 'id' | 'attempts'>): number {
    return Number(this.db.prepare(`INSERT INTO lambda_async_events (account, region, function_name, qualifier, request_id, payload, attempts, next_at, created_at)
      VALUES (@account, @region, @function_name, @qualifier, @request_id, @payload, 0, @next_at, @created_at)`).run(e).lastInsertRowid);
  }
  dueEvents(now: number, limit: number, exclude: number[]): AsyncEventRow[] {
    const rows = this.db.prepare('SELECT * FROM lambda_async_events WHERE next_at <= ? ORDER BY next_at, id LIMIT ?').all(now, limit + exclude.length) as AsyncEventRow[];
    const skip = new Set(exclude);
    return rows.filter((r) => !skip.has(r.id)).slice(0, limit);
  }
  nextEventAt(): number | undefined {
    return (this.db.prepare('SELECT MIN(next_at) AS t FROM lambda_async_events').get() as { t: number | null }).t ?? undefined;
  }
  rescheduleEvent(id: number, attempts: number, nextAt: number): void {
    this.db.prepare('UPDATE lambda_async_events SET attempts = ?, next_at = ? WHERE id = ?').run(attempts, nextAt, id);
  }
  deleteEvent(id: number): void {
    this.db.prepare('DELETE FROM lambda_async_events WHERE id = ?').run(id);
  }
  eventCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM lambda_async_events').get() as { n: number }).n;
  }
}

export interface AsyncEventRow {
  id: number;
  account: string;
  region: string;
  function_name: string;
  qualifier: string | null;
  request_id: string;
  payload: Buffer;
  attempts: number;
  next_at: number;
  created_at: number;
}
