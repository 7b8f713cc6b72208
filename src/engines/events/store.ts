import type { Db } from '../../store/db.ts';
import type { RuleDoc } from './types.ts';

// SQL for EventBridge (DESIGN: SQL only in store files): one JSON document per rule, targets and tags included.
export class EventsStore {
  private upsert;
  private del;
  constructor(readonly db: Db) {
    this.upsert = db.prepare(`INSERT INTO events_rules (account, region, bus, name, doc) VALUES (@account, @region, @bus, @name, @doc)
      ON CONFLICT (account, region, bus, name) DO UPDATE SET doc = excluded.doc`);
    this.del = db.prepare('DELETE FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?');
  }

  rules(): RuleDoc[] {
    return (this.db.prepare('SELECT doc FROM events_rules ORDER BY account, region, bus, name').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as RuleDoc);
  }

  save(r: RuleDoc): void {
    this.upsert.run({ account: r.account, region: r.region, bus: r.bus, name: r.name, doc: JSON.stringify(r) });
  }

  remove(r: RuleDoc): void {
    this.del.run(r.account, r.region, r.bus, r.name);
  }
}
