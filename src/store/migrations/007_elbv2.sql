-- ELBv2: load balancers, listeners, rules, target groups, registered targets, tags. Specs that only the
-- ELBv2 service reads are JSON columns (actions, conditions, health checks, attributes).
CREATE TABLE elbv2_load_balancers (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  scheme TEXT NOT NULL,
  ip_address_type TEXT NOT NULL,
  vpc_id TEXT NOT NULL,
  subnets TEXT NOT NULL,          -- JSON [{ subnetId, zone, cidr }]
  security_groups TEXT NOT NULL,  -- JSON [sg-…]
  attributes TEXT NOT NULL,       -- JSON { key: value }
  dns_name TEXT NOT NULL,
  address TEXT NOT NULL,          -- where its listeners bind
  created_at INTEGER NOT NULL,
  UNIQUE (account, region, name)
);

CREATE TABLE elbv2_target_groups (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,             -- JSON: protocol, port, vpc, target type, health check
  attributes TEXT NOT NULL,       -- JSON { key: value }
  created_at INTEGER NOT NULL,
  UNIQUE (account, region, name)
);

CREATE TABLE elbv2_listeners (
  arn TEXT PRIMARY KEY,
  lb_arn TEXT NOT NULL REFERENCES elbv2_load_balancers (arn) ON DELETE CASCADE,
  protocol TEXT NOT NULL,
  port INTEGER NOT NULL,
  default_actions TEXT NOT NULL,  -- JSON, API shape
  created_at INTEGER NOT NULL
);
CREATE INDEX elbv2_listeners_lb ON elbv2_listeners (lb_arn);

CREATE TABLE elbv2_rules (
  arn TEXT PRIMARY KEY,
  listener_arn TEXT NOT NULL REFERENCES elbv2_listeners (arn) ON DELETE CASCADE,
  priority INTEGER NOT NULL,
  conditions TEXT NOT NULL,       -- JSON, API shape
  actions TEXT NOT NULL,          -- JSON, API shape
  created_at INTEGER NOT NULL
);
CREATE INDEX elbv2_rules_listener ON elbv2_rules (listener_arn);

CREATE TABLE elbv2_targets (
  tg_arn TEXT NOT NULL REFERENCES elbv2_target_groups (arn) ON DELETE CASCADE,
  target_id TEXT NOT NULL,
  port INTEGER NOT NULL,
  zone TEXT,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (tg_arn, target_id, port)
);

CREATE TABLE elbv2_tags (
  arn TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (arn, key)
);
