-- Lambda: one JSON document per function (configuration of $LATEST and of each published version, aliases, tags,
-- concurrency, policy, URL and event-invoke configurations), event source mappings, the durable async event queue,
-- and usage metering.
CREATE TABLE lambda_functions (
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (account, region, name)
);

CREATE TABLE lambda_event_source_mappings (
  uuid TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  doc TEXT NOT NULL
);

-- Accepted InvocationType=Event invocations, committed before the 202; removed once delivered or dead-lettered.
CREATE TABLE lambda_async_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  request_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX lambda_async_events_due ON lambda_async_events (next_at);

CREATE TABLE lambda_usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  function_arn TEXT NOT NULL,
  version TEXT NOT NULL,
  request_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  billed_ms INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  gb_seconds REAL NOT NULL,
  init_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX lambda_usage_function ON lambda_usage (account, region, function_arn, started_at);
