-- EC2 launch templates and EC2 Auto Scaling. Configuration that is only read back whole is kept as JSON.
CREATE TABLE launch_templates (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  default_version INTEGER NOT NULL, latest_version INTEGER NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (account, region, name)
);
CREATE TABLE launch_template_versions (
  template_id TEXT NOT NULL REFERENCES launch_templates(id) ON DELETE CASCADE, version INTEGER NOT NULL,
  description TEXT, data TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (template_id, version)
);
CREATE TABLE asg_groups (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
  min_size INTEGER NOT NULL, max_size INTEGER NOT NULL, desired INTEGER NOT NULL,
  config TEXT NOT NULL, status TEXT, created_at INTEGER NOT NULL,
  -- When the last scaling activity started (cooldowns) and what the next launch/termination is "in response to".
  last_scaling_at INTEGER, pending_cause TEXT,
  PRIMARY KEY (account, region, name)
);
CREATE TABLE asg_instances (
  instance_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL,
  lifecycle_state TEXT NOT NULL, health_status TEXT NOT NULL, protected INTEGER NOT NULL DEFAULT 0,
  launch_template TEXT, instance_type TEXT, image_id TEXT, az TEXT NOT NULL, launched_at INTEGER NOT NULL,
  in_service_at INTEGER, hook_name TEXT, hook_token TEXT, hook_deadline INTEGER, hook_result TEXT,
  activity_id TEXT, refresh_id TEXT, updated_at INTEGER NOT NULL
);
CREATE INDEX asg_instances_group ON asg_instances(account, region, group_name);
CREATE TABLE asg_activities (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL,
  description TEXT NOT NULL, cause TEXT NOT NULL, details TEXT, status_code TEXT NOT NULL, status_message TEXT,
  progress INTEGER NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER, seq INTEGER NOT NULL
);
CREATE INDEX asg_activities_group ON asg_activities(account, region, group_name, seq);
CREATE TABLE asg_policies (
  arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL, name TEXT NOT NULL,
  type TEXT NOT NULL, config TEXT NOT NULL, alarms TEXT NOT NULL DEFAULT '[]', last_executed INTEGER,
  UNIQUE (account, region, group_name, name)
);
CREATE TABLE asg_scheduled_actions (
  arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL, name TEXT NOT NULL,
  config TEXT NOT NULL, next_run INTEGER, UNIQUE (account, region, group_name, name)
);
CREATE TABLE asg_lifecycle_hooks (
  account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,
  PRIMARY KEY (account, region, group_name, name)
);
CREATE TABLE asg_refreshes (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL, status TEXT NOT NULL,
  status_reason TEXT, start_time INTEGER NOT NULL, end_time INTEGER, preferences TEXT NOT NULL,
  instances_to_update INTEGER NOT NULL, replaced TEXT NOT NULL DEFAULT '[]', desired_config TEXT
);
CREATE TABLE asg_tags (
  account TEXT NOT NULL, region TEXT NOT NULL, group_name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  propagate INTEGER NOT NULL, PRIMARY KEY (account, region, group_name, key)
);
