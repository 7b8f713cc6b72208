-- Log store (CloudWatch Logs). Groups and streams are also held in memory; events are read from here.
-- Appends are group-committed (one transaction per event-loop turn); everything else is one transaction per change.
CREATE TABLE logs_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,      -- never reused: a deleted group's events can't resurface under a new one
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retention_days INTEGER,                    -- NULL: never expire
  kms_key_id TEXT,
  log_group_class TEXT NOT NULL DEFAULT 'STANDARD',
  tags TEXT NOT NULL DEFAULT '{}',           -- JSON object
  UNIQUE (account, region, name)
);
CREATE TABLE logs_streams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  first_event_ts INTEGER, last_event_ts INTEGER, last_ingestion INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  UNIQUE (group_id, name)
);
CREATE TABLE logs_events (
  id INTEGER PRIMARY KEY,                    -- assigned by the engine, increasing in ingestion order (the eventId)
  group_id INTEGER NOT NULL,
  stream_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,                       -- event timestamp (ms)
  ingested_at INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX logs_events_stream ON logs_events(stream_id, ts, id);
CREATE INDEX logs_events_group ON logs_events(group_id, ts, id);
