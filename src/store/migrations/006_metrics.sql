-- CloudWatch metrics and alarms (src/engines/metrics). Times are epoch milliseconds.
CREATE TABLE metric_series (
  id INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  -- canonical JSON [[name, value], ...] sorted by name
  dims TEXT NOT NULL,
  last_ts INTEGER NOT NULL,
  UNIQUE (account, region, namespace, name, dims)
);

-- Raw points at the resolution they arrived (1 s for StorageResolution 1, else 60 s); aggregated on query.
CREATE TABLE metric_points (
  series_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  n REAL NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  unit TEXT NOT NULL,
  -- JSON [[value, count], ...] when individual values are known (for percentiles), else NULL
  dist TEXT
);
CREATE INDEX metric_points_series_ts ON metric_points (series_id, ts);
CREATE INDEX metric_points_ts ON metric_points (ts);

CREATE TABLE metric_alarms (
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (account, region, name)
);

CREATE TABLE metric_alarm_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  alarm_name TEXT NOT NULL,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  summary TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX metric_alarm_history_scope ON metric_alarm_history (account, region, ts);
