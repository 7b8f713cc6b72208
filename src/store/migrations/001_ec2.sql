-- EC2 foundation: networks, instances, images, security groups, key pairs, volumes, tags.
CREATE TABLE vpcs (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
  cidr TEXT NOT NULL, is_default INTEGER NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE subnets (
  id TEXT PRIMARY KEY, vpc_id TEXT NOT NULL REFERENCES vpcs(id), account TEXT NOT NULL, region TEXT NOT NULL,
  az TEXT NOT NULL, az_id TEXT NOT NULL, cidr TEXT NOT NULL, default_for_az INTEGER NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE security_groups (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, vpc_id TEXT NOT NULL,
  name TEXT NOT NULL, description TEXT NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (vpc_id, name)
);
CREATE TABLE security_group_rules (
  id TEXT PRIMARY KEY, group_id TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
  is_egress INTEGER NOT NULL, protocol TEXT NOT NULL, from_port INTEGER, to_port INTEGER,
  cidr TEXT, source_group_id TEXT, description TEXT
);
CREATE INDEX security_group_rules_group ON security_group_rules(group_id);
CREATE TABLE key_pairs (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  key_type TEXT NOT NULL, fingerprint TEXT NOT NULL, public_key TEXT NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (account, region, name)
);
CREATE TABLE images (
  id TEXT PRIMARY KEY, account TEXT, region TEXT, owner TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
  state TEXT NOT NULL, architecture TEXT NOT NULL, platform_details TEXT NOT NULL, source_instance_id TEXT,
  source_image_id TEXT, snapshot_dir TEXT, created_at INTEGER NOT NULL
);
CREATE TABLE instances (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, reservation_id TEXT NOT NULL,
  launch_index INTEGER NOT NULL, image_id TEXT NOT NULL, instance_type TEXT NOT NULL, state TEXT NOT NULL,
  subnet_id TEXT NOT NULL, vpc_id TEXT NOT NULL, az TEXT NOT NULL, private_ip TEXT NOT NULL,
  key_name TEXT, user_data TEXT, client_token TEXT, launch_time INTEGER NOT NULL,
  state_transition_reason TEXT NOT NULL DEFAULT '', state_reason_code TEXT, state_reason_message TEXT,
  security_group_ids TEXT NOT NULL, shutdown_behavior TEXT NOT NULL DEFAULT 'stop',
  disable_api_termination INTEGER NOT NULL DEFAULT 0, driver_token TEXT, terminated_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX instances_scope ON instances(account, region, state);
CREATE INDEX instances_subnet_ip ON instances(subnet_id, private_ip);
CREATE TABLE volumes (
  id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, az TEXT NOT NULL, size_gib INTEGER NOT NULL,
  volume_type TEXT NOT NULL, iops INTEGER, state TEXT NOT NULL, created_at INTEGER NOT NULL,
  instance_id TEXT, device TEXT, attach_state TEXT, attach_time INTEGER, delete_on_termination INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tags (
  resource_id TEXT NOT NULL, resource_type TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource_id, key)
);
CREATE INDEX tags_scope ON tags(account, region, key);
