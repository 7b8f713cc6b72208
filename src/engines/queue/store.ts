import type { Db } from '../../store/db.ts';
import { Msg } from './message.ts';
import type { MessageAttributes, MoveTaskEntry } from './types.ts';

// All SQL of the queue engine. Statements are prepared once; message writes arrive in batches from the
// group committer and run inside one transaction.

export interface QueueRow {
  id: number;
  account: string;
  region: string;
  name: string;
  attributes: string;
  tags: string;
  created_at: number;
  modified_at: number;
  last_purge_at: number | null;
  fifo_seq: number;
}

export interface DedupRow {
  queueId: number;
  scope: string;
  dedupId: string;
  messageId: string;
  seqNo?: string;
  expiresAt: number;
}

export interface TaskRow {
  id: string;
  account: string;
  region: string;
  source_arn: string;
  destination_arn: string | null;
  max_per_second: number | null;
  status: MoveTaskEntry['status'];
  moved: number;
  to_move: number;
  failure_reason: string | null;
  started_at: number;
}

interface MessageRow {
  mid: number;
  queue_id: number;
  message_id: string;
  body: string;
  md5_body: string;
  attrs: string | null;
  md5_attrs: string | null;
  sys_attrs: string | null;
  md5_sys: string | null;
  sender_id: string;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  first_receive_at: number;
  group_id: string | null;
  dedup_id: string | null;
  seq_no: string | null;
  dlq_source: string | null;
}

function encodeAttrs(a: MessageAttributes | undefined): string | null {
  if (!a) return null;
  const o: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> = {};
  for (const [k, v] of Object.entries(a))
    o[k] = v.BinaryValue !== undefined ? { DataType: v.DataType, BinaryValue: Buffer.from(v.BinaryValue).toString('base64') } : { DataType: v.DataType, StringValue: v.StringValue };
  return JSON.stringify(o);
}

function decodeAttrs(s: string | null): MessageAttributes | undefined {
  if (s === null) return undefined;
  const o = JSON.parse(s) as Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  const out: MessageAttributes = {};
  for (const [k, v] of Object.entries(o))
    out[k] = v.BinaryValue !== undefined ? { DataType: v.DataType, BinaryValue: Buffer.from(v.BinaryValue, 'base64') } : { DataType: v.DataType, StringValue: v.StringValue };
  return out;
}

export class QueueStore {
  private s;
  readonly writeBatch: (msgs: Iterable<Msg>, dedups: DedupRow[], seqs: Map<number, number>) => void;

  constructor(readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertQueue: p('INSERT INTO sqs_queues (account, region, name, attributes, tags, created_at, modified_at, fifo_seq) VALUES (?, ?, ?, ?, ?, ?, ?, 0)'),
      updateAttrs: p('UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?'),
      updateTags: p('UPDATE sqs_queues SET tags = ? WHERE id = ?'),
      updatePurge: p('UPDATE sqs_queues SET last_purge_at = ? WHERE id = ?'),
      updateSeq: p('UPDATE sqs_queues SET fifo_seq = ? WHERE id = ?'),
      deleteQueue: p('DELETE FROM sqs_queues WHERE id = ?'),
      deleteQueueMessages: p('DELETE FROM sqs_messages WHERE queue_id = ?'),
      deleteQueueDedup: p('DELETE FROM sqs_dedup WHERE queue_id = ?'),
      loadQueues: p('SELECT * FROM sqs_queues ORDER BY id'),
      loadMessages: p('SELECT * FROM sqs_messages ORDER BY mid'),
      maxMid: p('SELECT coalesce(max(mid), 0) AS m FROM sqs_messages'),
      insertMsg: p(`INSERT INTO sqs_messages (mid, queue_id, message_id, body, md5_body, attrs, md5_attrs, sys_attrs, md5_sys, sender_id,
        sent_at, visible_at, receive_count, first_receive_at, group_id, dedup_id, seq_no, dlq_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateMsg: p('UPDATE sqs_messages SET visible_at = ?, receive_count = ?, first_receive_at = ? WHERE mid = ?'),
      deleteMsg: p('DELETE FROM sqs_messages WHERE mid = ?'),
      insertDedup: p('INSERT OR REPLACE INTO sqs_dedup (queue_id, scope, dedup_id, message_id, seq_no, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      loadDedup: p('SELECT queue_id, scope, dedup_id, message_id, seq_no, expires_at FROM sqs_dedup WHERE expires_at > ? ORDER BY expires_at'),
      expireDedup: p('DELETE FROM sqs_dedup WHERE expires_at <= ?'),
      insertTask: p(`INSERT INTO sqs_move_tasks (id, account, region, source_arn, destination_arn, max_per_second, status, moved, to_move, failure_reason, started_at)
        VALUES (@id, @account, @region, @source_arn, @destination_arn, @max_per_second, @status, @moved, @to_move, @failure_reason, @started_at)`),
      updateTask: p('UPDATE sqs_move_tasks SET status = ?, moved = ?, failure_reason = ? WHERE id = ?'),
      loadTasks: p('SELECT * FROM sqs_move_tasks ORDER BY started_at, rowid'),
    };
    const s = this.s;
    // A message both created and deleted within one batch never reaches the disk.
    this.writeBatch = db.transaction((msgs: Iterable<Msg>, dedups: DedupRow[], seqs: Map<number, number>) => {
      for (const m of msgs) {
        if (m.state === 4 /* GONE */) {
          if (m.persisted) s.deleteMsg.run(m.mid);
          m.persisted = false;
        } else if (!m.persisted) {
          s.insertMsg.run(m.mid, m.queueId, m.messageId, m.body, m.md5Body, encodeAttrs(m.attrs), m.md5Attrs ?? null, encodeAttrs(m.sysAttrs), m.md5Sys ?? null,
            m.senderId, m.sentAt, m.visibleAt, m.receiveCount, m.firstReceiveAt, m.groupId ?? null, m.dedupId ?? null, m.seqNo ?? null, m.dlqSource ?? null);
          m.persisted = true;
        } else s.updateMsg.run(m.visibleAt, m.receiveCount, m.firstReceiveAt, m.mid);
      }
      for (const d of dedups) s.insertDedup.run(d.queueId, d.scope, d.dedupId, d.messageId, d.seqNo ?? null, d.expiresAt);
      for (const [id, seq] of seqs) s.updateSeq.run(seq, id);
    });
  }

  insertQueue(account: string, region: string, name: string, attributes: Record<string, string>, tags: Record<string, string>, now: number): number {
    return Number(this.s.insertQueue.run(account, region, name, JSON.stringify(attributes), JSON.stringify(tags), now, now).lastInsertRowid);
  }

  updateAttributes(id: number, attributes: Record<string, string>, now: number): void {
    this.s.updateAttrs.run(JSON.stringify(attributes), now, id);
  }

  updateTags(id: number, tags: Record<string, string>): void {
    this.s.updateTags.run(JSON.stringify(tags), id);
  }

  /** Purge: drops the queue's messages and records when (one purge per 60 s). */
  purge(id: number, now: number): void {
    this.db.transaction(() => {
      this.s.deleteQueueMessages.run(id);
      this.s.updatePurge.run(now, id);
    })();
  }

  deleteQueue(id: number): void {
    this.db.transaction(() => {
      this.s.deleteQueueMessages.run(id);
      this.s.deleteQueueDedup.run(id);
      this.s.deleteQueue.run(id);
    })();
  }

  loadQueues(): QueueRow[] {
    return this.s.loadQueues.all() as QueueRow[];
  }

  maxMid(): number {
    return (this.s.maxMid.get() as { m: number }).m;
  }

  /** Streams every stored message in arrival order. */
  *loadMessages(): Generator<Msg> {
    for (const r of this.s.loadMessages.iterate() as Iterable<MessageRow>) {
      const m = new Msg({
        mid: r.mid, queueId: r.queue_id, messageId: r.message_id, body: r.body, md5Body: r.md5_body,
        attrs: decodeAttrs(r.attrs), md5Attrs: r.md5_attrs ?? undefined, sysAttrs: decodeAttrs(r.sys_attrs), md5Sys: r.md5_sys ?? undefined,
        senderId: r.sender_id, sentAt: r.sent_at, visibleAt: r.visible_at, receiveCount: r.receive_count, firstReceiveAt: r.first_receive_at,
        groupId: r.group_id ?? undefined, dedupId: r.dedup_id ?? undefined, seqNo: r.seq_no ?? undefined, dlqSource: r.dlq_source ?? undefined,
      });
      m.persisted = true;
      yield m;
    }
  }

  loadDedup(now: number): DedupRow[] {
    return (this.s.loadDedup.all(now) as { queue_id: number; scope: string; dedup_id: string; message_id: string; seq_no: string | null; expires_at: number }[]).map((r) => ({
      queueId: r.queue_id, scope: r.scope, dedupId: r.dedup_id, messageId: r.message_id, seqNo: r.seq_no ?? undefined, expiresAt: r.expires_at,
    }));
  }

  expireDedup(now: number): void {
    this.s.expireDedup.run(now);
  }

  insertTask(t: TaskRow): void {
    this.s.insertTask.run(t);
  }

  updateTask(id: string, status: string, moved: number, failureReason: string | null): void {
    this.s.updateTask.run(status, moved, failureReason, id);
  }

  loadTasks(): TaskRow[] {
    return this.s.loadTasks.all() as TaskRow[];
  }
}
