-- EventBridge: one JSON document per rule (pattern, schedule, state, targets, tags). Schedules are recomputed from
-- the document at start: firings missed while Nimbus was down are not replayed (as on AWS).
CREATE TABLE events_rules (
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  bus TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (account, region, bus, name)
);
