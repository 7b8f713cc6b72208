import type { Db } from '../../store/db.ts';
import type { Delivery, DeliveryPayload, MailMessage, Subscription, Topic } from './types.ts';

// All SQL of the pub/sub engine. Topic and subscription changes are written through (one statement or
// transaction each); a publish writes its pending deliveries, mail and dedup entry in one transaction.

interface TopicRow {
  arn: string; account: string; region: string; name: string; fifo: number; attributes: string; tags: string;
  seq: number; deleted_subscriptions: number; created_at: number;
}
interface SubRow {
  arn: string; topic_arn: string; owner: string; protocol: string; endpoint: string; pending: number; token: string;
  attributes: string; authenticated: number; created_at: number;
}
interface DeliveryRow { id: number; subscription_arn: string; payload: string; attempts: number; next_at: number; created_at: number }
interface MailRow {
  id: number; account: string; region: string; subscription_arn: string; topic_arn: string; recipient: string; subject: string;
  body: string; content_type: string; kind: string; created_at: number;
}

export interface PublishWrites {
  deliveries: { subscriptionArn: string; payload: DeliveryPayload; nextAt: number; createdAt: number }[];
  mail: Omit<MailMessage, 'id'>[];
  dedup?: { topicArn: string; dedupId: string; messageId: string; seqNo?: string; expiresAt: number };
  seq?: { topicArn: string; seq: number };
}

export class PubSubStore {
  private s;
  constructor(private db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertTopic: p(`INSERT INTO sns_topics (arn, account, region, name, fifo, attributes, tags, seq, deleted_subscriptions, created_at)
        VALUES (@arn, @account, @region, @name, @fifo, @attributes, @tags, 0, 0, @created_at)`),
      deleteTopic: p('DELETE FROM sns_topics WHERE arn = ?'),
      topicAttributes: p('UPDATE sns_topics SET attributes = ? WHERE arn = ?'),
      topicTags: p('UPDATE sns_topics SET tags = ? WHERE arn = ?'),
      topicSeq: p('UPDATE sns_topics SET seq = ? WHERE arn = ?'),
      topicDeleted: p('UPDATE sns_topics SET deleted_subscriptions = ? WHERE arn = ?'),
      topics: p('SELECT * FROM sns_topics'),
      insertSub: p(`INSERT INTO sns_subscriptions (arn, topic_arn, owner, protocol, endpoint, pending, token, attributes, authenticated, created_at)
        VALUES (@arn, @topic_arn, @owner, @protocol, @endpoint, @pending, @token, @attributes, @authenticated, @created_at)`),
      deleteSub: p('DELETE FROM sns_subscriptions WHERE arn = ?'),
      deleteSubsOfTopic: p('DELETE FROM sns_subscriptions WHERE topic_arn = ?'),
      confirmSub: p('UPDATE sns_subscriptions SET pending = 0, authenticated = ? WHERE arn = ?'),
      subAttributes: p('UPDATE sns_subscriptions SET attributes = ? WHERE arn = ?'),
      subs: p('SELECT * FROM sns_subscriptions ORDER BY created_at, arn'),
      insertDelivery: p('INSERT INTO sns_deliveries (subscription_arn, payload, attempts, next_at, created_at) VALUES (?, ?, 0, ?, ?)'),
      deleteDelivery: p('DELETE FROM sns_deliveries WHERE id = ?'),
      retryDelivery: p('UPDATE sns_deliveries SET attempts = ?, next_at = ? WHERE id = ?'),
      deliveries: p('SELECT * FROM sns_deliveries ORDER BY id'),
      deleteDeliveriesOf: p('DELETE FROM sns_deliveries WHERE subscription_arn = ?'),
      insertMail: p(`INSERT INTO sns_mail (account, region, subscription_arn, topic_arn, recipient, subject, body, content_type, kind, created_at)
        VALUES (@account, @region, @subscriptionArn, @topicArn, @to, @subject, @body, @contentType, @kind, @createdAt)`),
      mail: p('SELECT * FROM sns_mail WHERE (@to IS NULL OR recipient = @to) AND id > @after ORDER BY id LIMIT @limit'),
      clearMail: p('DELETE FROM sns_mail WHERE (@to IS NULL OR recipient = @to)'),
      insertDedup: p('INSERT OR REPLACE INTO sns_dedup (topic_arn, dedup_id, message_id, seq_no, expires_at) VALUES (?, ?, ?, ?, ?)'),
      dedup: p('SELECT * FROM sns_dedup WHERE expires_at > ?'),
      expireDedup: p('DELETE FROM sns_dedup WHERE expires_at <= ?'),
      deleteDedupOf: p('DELETE FROM sns_dedup WHERE topic_arn = ?'),
    };
  }

  loadTopics(): Topic[] {
    return (this.s.topics.all() as TopicRow[]).map((r) => ({
      arn: r.arn, account: r.account, region: r.region, name: r.name, fifo: r.fifo === 1,
      attributes: JSON.parse(r.attributes), tags: JSON.parse(r.tags), seq: r.seq, deletedSubscriptions: r.deleted_subscriptions, createdAt: r.created_at,
    }));
  }

  loadSubscriptions(): Subscription[] {
    return (this.s.subs.all() as SubRow[]).map((r) => ({
      arn: r.arn, topicArn: r.topic_arn, owner: r.owner, protocol: r.protocol as Subscription['protocol'], endpoint: r.endpoint,
      pending: r.pending === 1, token: r.token, attributes: JSON.parse(r.attributes), authenticated: r.authenticated === 1, createdAt: r.created_at,
    }));
  }

  loadDeliveries(): Delivery[] {
    return (this.s.deliveries.all() as DeliveryRow[]).map((r) => ({
      id: r.id, subscriptionArn: r.subscription_arn, payload: JSON.parse(r.payload), attempts: r.attempts, nextAt: r.next_at, createdAt: r.created_at,
    }));
  }

  loadDedup(now: number): { topicArn: string; dedupId: string; messageId: string; seqNo?: string; expiresAt: number }[] {
    this.s.expireDedup.run(now);
    return (this.s.dedup.all(now) as { topic_arn: string; dedup_id: string; message_id: string; seq_no: string | null; expires_at: number }[])
      .map((r) => ({ topicArn: r.topic_arn, dedupId: r.dedup_id, messageId: r.message_id, seqNo: r.seq_no ?? undefined, expiresAt: r.expires_at }));
  }

  expireDedup(now: number): void {
    this.s.expireDedup.run(now);
  }

  insertTopic(t: Topic): void {
    this.s.insertTopic.run({ arn: t.arn, account: t.account, region: t.region, name: t.name, fifo: t.fifo ? 1 : 0,
      attributes: JSON.stringify(t.attributes), tags: JSON.stringify(t.tags), created_at: t.createdAt });
  }

  deleteTopic(arn: string): void {
    this.db.transaction(() => {
      for (const s of this.s.subs.all() as SubRow[]) if (s.topic_arn === arn) this.s.deleteDeliveriesOf.run(s.arn);
      this.s.deleteSubsOfTopic.run(arn);
      this.s.deleteDedupOf.run(arn);
      this.s.deleteTopic.run(arn);
    })();
  }

  updateTopicAttributes(arn: string, attributes: Record<string, string>): void {
    this.s.topicAttributes.run(JSON.stringify(attributes), arn);
  }

  updateTopicTags(arn: string, tags: Record<string, string>): void {
    this.s.topicTags.run(JSON.stringify(tags), arn);
  }

  insertSubscription(s: Subscription): void {
    this.s.insertSub.run({ arn: s.arn, topic_arn: s.topicArn, owner: s.owner, protocol: s.protocol, endpoint: s.endpoint, pending: s.pending ? 1 : 0,
      token: s.token, attributes: JSON.stringify(s.attributes), authenticated: s.authenticated ? 1 : 0, created_at: s.createdAt });
  }

  deleteSubscription(arn: string, topicArn: string, deletedCount: number): void {
    this.db.transaction(() => {
      this.s.deleteSub.run(arn);
      this.s.deleteDeliveriesOf.run(arn);
      this.s.topicDeleted.run(deletedCount, topicArn);
    })();
  }

  confirmSubscription(arn: string, authenticated: boolean): void {
    this.s.confirmSub.run(authenticated ? 1 : 0, arn);
  }

  updateSubscriptionAttributes(arn: string, attributes: Record<string, string>): void {
    this.s.subAttributes.run(JSON.stringify(attributes), arn);
  }

  /** Everything a publish must make durable before it is acknowledged, in one transaction. Returns the delivery ids. */
  writePublish(w: PublishWrites): number[] {
    return this.db.transaction(() => {
      const ids = w.deliveries.map((d) => Number(this.s.insertDelivery.run(d.subscriptionArn, JSON.stringify(d.payload), d.nextAt, d.createdAt).lastInsertRowid));
      for (const m of w.mail) this.s.insertMail.run(m);
      if (w.dedup) this.s.insertDedup.run(w.dedup.topicArn, w.dedup.dedupId, w.dedup.messageId, w.dedup.seqNo ?? null, w.dedup.expiresAt);
      if (w.seq) this.s.topicSeq.run(w.seq.seq, w.seq.topicArn);
      return ids;
    })();
  }

  deleteDelivery(id: number): void {
    this.s.deleteDelivery.run(id);
  }

  retryDelivery(id: number, attempts: number, nextAt: number): void {
    this.s.retryDelivery.run(attempts, nextAt, id);
  }

  listMail(opts: { to?: string; after?: number; limit?: number } = {}): MailMessage[] {
    return (this.s.mail.all({ to: opts.to ?? null, after: opts.after ?? 0, limit: opts.limit ?? 1000 }) as MailRow[]).map((r) => ({
      id: r.id, account: r.account, region: r.region, subscriptionArn: r.subscription_arn, topicArn: r.topic_arn, to: r.recipient,
      subject: r.subject, body: r.body, contentType: r.content_type, kind: r.kind, createdAt: r.created_at,
    }));
  }

  clearMail(to?: string): number {
    return this.s.clearMail.run({ to: to ?? null }).changes;
  }
}
