-- EC2 purchase options (issue 6): Spot Instances, Dedicated Hosts, tenancy. Metering lives in usage_intervals (010).
-- Instances: how they are bought and where they are placed, and a pending spot interruption (its deadline is durable,
-- so a notice given before a restart still fires after it).
ALTER TABLE instances ADD COLUMN market TEXT NOT NULL DEFAULT 'on-demand';
ALTER TABLE instances ADD COLUMN spot_request_id TEXT;
ALTER TABLE instances ADD COLUMN spot_max_price REAL;
ALTER TABLE instances ADD COLUMN interruption_behavior TEXT;
ALTER TABLE instances ADD COLUMN tenancy TEXT NOT NULL DEFAULT 'default';
ALTER TABLE instances ADD COLUMN host_id TEXT;
-- {"action":"terminate"|"stop","cause":"no-capacity"|"price"} while an interruption notice is pending.
ALTER TABLE instances ADD COLUMN instance_action_json TEXT;
-- When the pending interruption happens (ms); NULL when none.
ALTER TABLE instances ADD COLUMN interruption_at INTEGER;
CREATE INDEX instances_interruption ON instances(interruption_at) WHERE interruption_at IS NOT NULL;
CREATE INDEX instances_host ON instances(host_id) WHERE host_id IS NOT NULL;

CREATE TABLE hosts (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, az TEXT NOT NULL,
  -- Exactly one of instance_type (single-type host) and a family-only host (instance_type NULL); family always set.
  instance_type TEXT, instance_family TEXT NOT NULL,
  auto_placement TEXT NOT NULL DEFAULT 'on', host_recovery TEXT NOT NULL DEFAULT 'off',
  state TEXT NOT NULL, client_token TEXT, allocated_at INTEGER NOT NULL, released_at INTEGER
);
CREATE INDEX hosts_scope ON hosts(account, region, state);

CREATE TABLE spot_requests (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
  type TEXT NOT NULL, state TEXT NOT NULL, status_code TEXT NOT NULL, status_message TEXT NOT NULL, status_updated_at INTEGER NOT NULL,
  max_price REAL NOT NULL, interruption_behavior TEXT NOT NULL,
  -- The launch specification as RunInstances input (JSON), used for every (re)launch.
  launch_spec TEXT NOT NULL,
  instance_id TEXT, launched_az TEXT, valid_from INTEGER, valid_until INTEGER, launch_group TEXT, az_group TEXT,
  client_token TEXT, created_at INTEGER NOT NULL
);
CREATE INDEX spot_requests_scope ON spot_requests(account, region);
CREATE INDEX spot_requests_state ON spot_requests(state);
