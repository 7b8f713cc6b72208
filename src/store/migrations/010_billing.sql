-- Billing: metered usage intervals (EC2 instances, dedicated hosts, Fargate tasks), Reserved Instances purchases and
-- Savings Plans. Prices, offerings and the spot market are derived from src/engines/billing/catalog/prices.json and
-- are not stored.
CREATE TABLE usage_intervals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  az TEXT NOT NULL,
  kind TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  instance_type TEXT,
  host_family TEXT,
  market TEXT NOT NULL,
  tenancy TEXT NOT NULL,
  host_id TEXT,
  vcpu REAL,
  memory_gib REAL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER
);
-- At most one open interval per resource: makes open() idempotent.
CREATE UNIQUE INDEX usage_intervals_open ON usage_intervals (resource_id) WHERE end_ms IS NULL;
-- Range reads look for intervals that end after the range starts (or are open): old, closed history is skipped.
CREATE INDEX usage_intervals_account_end ON usage_intervals (account, end_ms);

CREATE TABLE reserved_instances (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  offering_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  instance_count INTEGER NOT NULL,
  offering_class TEXT NOT NULL,
  offering_type TEXT NOT NULL,
  fixed_price REAL NOT NULL,
  recurring_hourly REAL NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL
);
CREATE INDEX reserved_instances_account ON reserved_instances (account, region);

CREATE TABLE savings_plans (
  id TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  account TEXT NOT NULL,
  offering_id TEXT NOT NULL,
  plan_type TEXT NOT NULL,
  payment_option TEXT NOT NULL,
  instance_family TEXT,
  region TEXT,
  commitment REAL NOT NULL,
  upfront REAL NOT NULL,
  recurring REAL NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX savings_plans_account ON savings_plans (account);
