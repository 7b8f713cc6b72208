-- Pub/sub engine (SNS). Topics and subscriptions are small and written through; pending out-of-process deliveries
-- (HTTP/S, Lambda) are inserted in the same transaction that acknowledges a publish and deleted once delivered
-- or dead-lettered, so deliveries resume after a crash. SQS deliveries are committed by the queue engine before
-- the publish is acknowledged.
CREATE TABLE sns_topics (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  fifo INTEGER NOT NULL DEFAULT 0,
  attributes TEXT NOT NULL,                  -- JSON: settable attributes by AWS name, string values
  tags TEXT NOT NULL DEFAULT '{}',
  seq INTEGER NOT NULL DEFAULT 0,            -- FIFO: last SequenceNumber handed out
  deleted_subscriptions INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (account, region, name)
);
CREATE TABLE sns_subscriptions (
  arn TEXT PRIMARY KEY,
  topic_arn TEXT NOT NULL,
  owner TEXT NOT NULL,
  protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
  pending INTEGER NOT NULL,                  -- 1 until confirmed (http/s, email)
  token TEXT NOT NULL,
  attributes TEXT NOT NULL DEFAULT '{}',
  authenticated INTEGER NOT NULL DEFAULT 0,  -- AuthenticateOnUnsubscribe
  created_at INTEGER NOT NULL
);
CREATE INDEX sns_subscriptions_topic ON sns_subscriptions(topic_arn);
-- FIFO topic deduplication window (5 minutes).
CREATE TABLE sns_dedup (
  topic_arn TEXT NOT NULL, dedup_id TEXT NOT NULL,
  message_id TEXT NOT NULL, seq_no TEXT, expires_at INTEGER NOT NULL,
  PRIMARY KEY (topic_arn, dedup_id)
) WITHOUT ROWID;
CREATE TABLE sns_deliveries (
  id INTEGER PRIMARY KEY,
  subscription_arn TEXT NOT NULL,
  payload TEXT NOT NULL,                     -- JSON DeliveryPayload: rendered (signed) body + headers
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
-- The local mailbox: email/email-json deliveries never leave the machine.
CREATE TABLE sns_mail (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL,
  subscription_arn TEXT NOT NULL, topic_arn TEXT NOT NULL,
  recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
  content_type TEXT NOT NULL, kind TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX sns_mail_recipient ON sns_mail(recipient, id);
