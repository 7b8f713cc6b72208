-- Queue engine (SQS). The engine keeps the hot state in memory and rebuilds it from these tables at start;
-- every acknowledged send/receive/delete/visibility change is in here first (group-committed).
CREATE TABLE sqs_queues (
  id INTEGER PRIMARY KEY AUTOINCREMENT,      -- AUTOINCREMENT: ids of deleted queues are never reused, so old receipt handles stay dead
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  attributes TEXT NOT NULL,                  -- JSON: settable attributes by AWS name, string values, defaults filled in
  tags TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL,
  last_purge_at INTEGER,
  fifo_seq INTEGER NOT NULL DEFAULT 0,       -- last FIFO SequenceNumber handed out (must keep increasing after deletes)
  UNIQUE (account, region, name)
);
-- One row per message entry in a queue; a message moved to a DLQ (or redriven) gets a new row.
CREATE TABLE sqs_messages (
  mid INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL, md5_body TEXT NOT NULL,
  attrs TEXT, md5_attrs TEXT,                -- JSON message attributes (binary values base64)
  sys_attrs TEXT, md5_sys TEXT,              -- JSON message system attributes (AWSTraceHeader)
  sender_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,               -- delay end or visibility deadline: in-flight messages reappear after a restart
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_at INTEGER NOT NULL DEFAULT 0,
  group_id TEXT, dedup_id TEXT, seq_no TEXT,
  dlq_source TEXT                            -- ARN of the queue it was dead-lettered from
);
CREATE INDEX sqs_messages_queue ON sqs_messages(queue_id);
-- FIFO deduplication window (5 minutes).
CREATE TABLE sqs_dedup (
  queue_id INTEGER NOT NULL, scope TEXT NOT NULL, dedup_id TEXT NOT NULL,
  message_id TEXT NOT NULL, seq_no TEXT, expires_at INTEGER NOT NULL,
  PRIMARY KEY (queue_id, scope, dedup_id)
) WITHOUT ROWID;
CREATE TABLE sqs_move_tasks (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL,
  source_arn TEXT NOT NULL, destination_arn TEXT, max_per_second INTEGER,
  status TEXT NOT NULL, moved INTEGER NOT NULL DEFAULT 0, to_move INTEGER NOT NULL DEFAULT 0,
  failure_reason TEXT, started_at INTEGER NOT NULL
);
CREATE INDEX sqs_move_tasks_source ON sqs_move_tasks(source_arn, started_at);
