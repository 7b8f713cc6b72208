-- EKS (src/services/eks): the EKS API over user-supplied Kubernetes clusters. One JSON document per resource.
CREATE TABLE eks_clusters (
  arn TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE UNIQUE INDEX eks_clusters_name ON eks_clusters (account, region, name);

CREATE TABLE eks_nodegroups (
  arn TEXT PRIMARY KEY,
  cluster_arn TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE eks_fargate_profiles (
  arn TEXT PRIMARY KEY,
  cluster_arn TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL
);
