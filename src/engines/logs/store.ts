import type { Db } from '../../store/db.ts';
import type { LogEvent, LogGroupState, LogStreamState } from './types.ts';

// Every SQL statement of the log store (see migrations/005_logs.sql).

interface GroupRow { id: number; account: string; region: string; name: string; created_at: number; retention_days: number | null; kms_key_id: string | null; log_group_class: string; tags: string }
interface StreamRow { id: number; group_id: number; name: string; created_at: number; first_event_ts: number | null; last_event_ts: number | null; last_ingestion: number | null; stored_bytes: number }
interface EventRow { id: number; group_id: number; stream_id: number; ts: number; ingested_at: number; message: string }

/** A position in (timestamp, eventId) order. */
export interface Cursor {
  ts: number;
  id: number;
}

export interface EventQuery {
  /** Only these streams (undefined: all streams of the group). */
  streamIds?: number[];
  /** Inclusive lower bound of timestamps. */
  startTime: number;
  /** Exclusive upper bound of timestamps. */
  endTime: number;
}

const MAX_TS = Number.MAX_SAFE_INTEGER;

export class LogStoreDb {
  private s;
  constructor(private db: Db) {
    this.s = {
      groups: db.prepare('SELECT * FROM logs_groups ORDER BY id'),
      streams: db.prepare('SELECT * FROM logs_streams ORDER BY id'),
      maxEvent: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM logs_events'),
      insertGroup: db.prepare('INSERT INTO logs_groups (account, region, name, created_at, retention_days, kms_key_id, log_group_class, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      updateGroup: db.prepare('UPDATE logs_groups SET retention_days = ?, tags = ? WHERE id = ?'),
      deleteGroup: db.prepare('DELETE FROM logs_groups WHERE id = ?'),
      deleteGroupStreams: db.prepare('DELETE FROM logs_streams WHERE group_id = ?'),
      deleteGroupEvents: db.prepare('DELETE FROM logs_events WHERE group_id = ?'),
      insertStream: db.prepare('INSERT INTO logs_streams (group_id, name, created_at) VALUES (?, ?, ?)'),
      updateStream: db.prepare('UPDATE logs_streams SET first_event_ts = ?, last_event_ts = ?, last_ingestion = ?, stored_bytes = ? WHERE id = ?'),
      deleteStream: db.prepare('DELETE FROM logs_streams WHERE id = ?'),
      deleteStreamEvents: db.prepare('DELETE FROM logs_events WHERE stream_id = ?'),
      insertEvent: db.prepare('INSERT INTO logs_events (id, group_id, stream_id, ts, ingested_at, message) VALUES (?, ?, ?, ?, ?, ?)'),
      expire: db.prepare('DELETE FROM logs_events WHERE group_id = ? AND ts < ?'),
      streamAfter: db.prepare('SELECT * FROM logs_events WHERE stream_id = ? AND ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?'),
      streamBefore: db.prepare('SELECT * FROM logs_events WHERE stream_id = ? AND ts >= ? AND ts < ? AND (ts < ? OR (ts = ? AND id < ?)) ORDER BY ts DESC, id DESC LIMIT ?'),
      groupAfter: db.prepare('SELECT * FROM logs_events WHERE group_id = ? AND ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?'),
      groupAfterIn: db.prepare(
        'SELECT * FROM logs_events WHERE group_id = ? AND stream_id IN (SELECT value FROM json_each(?)) AND ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?',
      ),
    };
  }

  loadGroups(): LogGroupState[] {
    const groups = new Map<number, LogGroupState>();
    for (const r of this.s.groups.all() as GroupRow[]) {
      groups.set(r.id, {
        id: r.id, account: r.account, region: r.region, name: r.name, createdAt: r.created_at,
        retentionDays: r.retention_days ?? undefined, kmsKeyId: r.kms_key_id ?? undefined, logGroupClass: r.log_group_class,
        tags: JSON.parse(r.tags) as Record<string, string>, streams: new Map(),
      });
    }
    for (const r of this.s.streams.all() as StreamRow[]) {
      const g = groups.get(r.group_id);
      if (!g) continue;
      g.streams.set(r.name, {
        id: r.id, groupId: r.group_id, name: r.name, createdAt: r.created_at, firstEventTs: r.first_event_ts ?? undefined,
        lastEventTs: r.last_event_ts ?? undefined, lastIngestion: r.last_ingestion ?? undefined, storedBytes: r.stored_bytes,
      });
    }
    return [...groups.values()];
  }

  maxEventId(): number {
    return (this.s.maxEvent.get() as { id: number }).id;
  }

  insertGroup(g: Omit<LogGroupState, 'id' | 'streams'>): number {
    return Number(this.s.insertGroup.run(g.account, g.region, g.name, g.createdAt, g.retentionDays ?? null, g.kmsKeyId ?? null, g.logGroupClass, JSON.stringify(g.tags)).lastInsertRowid);
  }

  updateGroup(g: LogGroupState): void {
    this.s.updateGroup.run(g.retentionDays ?? null, JSON.stringify(g.tags), g.id);
  }

  deleteGroup(id: number): void {
    this.db.transaction(() => {
      this.s.deleteGroupEvents.run(id);
      this.s.deleteGroupStreams.run(id);
      this.s.deleteGroup.run(id);
    })();
  }

  insertStream(groupId: number, name: string, createdAt: number): number {
    return Number(this.s.insertStream.run(groupId, name, createdAt).lastInsertRowid);
  }

  deleteStream(id: number): void {
    this.db.transaction(() => {
      this.s.deleteStreamEvents.run(id);
      this.s.deleteStream.run(id);
    })();
  }

  /** One transaction: new events and the stats of the streams they went to. */
  writeBatch(events: LogEvent[], streams: Iterable<LogStreamState>): void {
    this.db.transaction(() => {
      for (const e of events) this.s.insertEvent.run(e.id, e.groupId, e.streamId, e.timestamp, e.ingestionTime, e.message);
      for (const st of streams) this.s.updateStream.run(st.firstEventTs ?? null, st.lastEventTs ?? null, st.lastIngestion ?? null, st.storedBytes, st.id);
    })();
  }

  expire(groupId: number, before: number): number {
    return this.s.expire.run(groupId, before).changes;
  }

  /** Events of a stream after `after` in (ts, id) order. */
  streamForward(streamId: number, q: EventQuery, after: Cursor, limit: number): Array<Omit<LogEvent, 'stream'>> {
    return (this.s.streamAfter.all(streamId, q.startTime, Math.min(q.endTime, MAX_TS), after.ts, after.ts, after.id, limit) as EventRow[]).map(toEvent);
  }

  /** The last `limit` events of a stream before `before`, newest first. */
  streamBackward(streamId: number, q: EventQuery, before: Cursor, limit: number): Array<Omit<LogEvent, 'stream'>> {
    return (this.s.streamBefore.all(streamId, q.startTime, Math.min(q.endTime, MAX_TS), before.ts, before.ts, before.id, limit) as EventRow[]).map(toEvent);
  }

  /** Events of a group (optionally some streams) after `after` in (ts, id) order. */
  groupForward(groupId: number, q: EventQuery, after: Cursor, limit: number): Array<Omit<LogEvent, 'stream'>> {
    const end = Math.min(q.endTime, MAX_TS);
    const rows = q.streamIds
      ? this.s.groupAfterIn.all(groupId, JSON.stringify(q.streamIds), q.startTime, end, after.ts, after.ts, after.id, limit)
      : this.s.groupAfter.all(groupId, q.startTime, end, after.ts, after.ts, after.id, limit);
    return (rows as EventRow[]).map(toEvent);
  }
}

function toEvent(r: EventRow): Omit<LogEvent, 'stream'> {
  return { id: r.id, groupId: r.group_id, streamId: r.stream_id, timestamp: r.ts, ingestionTime: r.ingested_at, message: r.message };
}
