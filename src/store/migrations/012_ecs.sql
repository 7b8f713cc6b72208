-- ECS (src/engines/containers) and Application Auto Scaling (src/services/application-autoscaling): one JSON
-- document per resource, with the columns lookups need. Stopped tasks are pruned an hour after they stop (as AWS
-- keeps them visible for about an hour).
CREATE TABLE ecs_clusters (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX ecs_clusters_name ON ecs_clusters (account, region, name);

CREATE TABLE ecs_task_definitions (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  family TEXT NOT NULL,
  revision INTEGER NOT NULL,
  status TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX ecs_task_definitions_rev ON ecs_task_definitions (account, region, family, revision);

CREATE TABLE ecs_tasks (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  cluster_arn TEXT NOT NULL,
  last_status TEXT NOT NULL,
  stopped_at INTEGER,
  doc TEXT NOT NULL
);
CREATE INDEX ecs_tasks_cluster ON ecs_tasks (cluster_arn);

CREATE TABLE ecs_services (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  cluster_arn TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX ecs_services_cluster ON ecs_services (cluster_arn, name);

CREATE TABLE ecs_container_instances (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  cluster_arn TEXT NOT NULL,
  ec2_instance_id TEXT NOT NULL,
  status TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX ecs_container_instances_ec2 ON ecs_container_instances (ec2_instance_id);

CREATE TABLE appscaling_targets (
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  namespace TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  dimension TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (account, region, namespace, resource_id, dimension)
);

CREATE TABLE appscaling_policies (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  namespace TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  dimension TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE appscaling_activities (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  namespace TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX appscaling_activities_resource ON appscaling_activities (account, region, namespace, resource_id, start_time);
