import type { Db } from '../../store/db.ts';
import type { ClusterDoc, ContainerInstanceDoc, ServiceDoc, TaskDefinitionDoc, TaskDoc } from './types.ts';

// Every SQL statement of the container engine (migrations/012_ecs.sql). The engine keeps its documents in memory and
// writes each change through here, one transaction per state change.

export class EcsStore {
  private s;

  constructor(private db: Db) {
    this.s = {
      clusters: db.prepare('SELECT doc FROM ecs_clusters'),
      putCluster: db.prepare('INSERT OR REPLACE INTO ecs_clusters (arn, account, region, name, doc) VALUES (@arn, @account, @region, @name, @doc)'),
      deleteCluster: db.prepare('DELETE FROM ecs_clusters WHERE arn = ?'),
      taskDefs: db.prepare('SELECT doc FROM ecs_task_definitions'),
      putTaskDef: db.prepare('INSERT OR REPLACE INTO ecs_task_definitions (arn, account, region, family, revision, status, doc) VALUES (@arn, @account, @region, @family, @revision, @status, @doc)'),
      deleteTaskDef: db.prepare('DELETE FROM ecs_task_definitions WHERE arn = ?'),
      tasks: db.prepare('SELECT doc FROM ecs_tasks'),
      putTask: db.prepare('INSERT OR REPLACE INTO ecs_tasks (arn, account, region, cluster_arn, last_status, stopped_at, doc) VALUES (@arn, @account, @region, @cluster_arn, @last_status, @stopped_at, @doc)'),
      deleteTask: db.prepare('DELETE FROM ecs_tasks WHERE arn = ?'),
      services: db.prepare('SELECT doc FROM ecs_services'),
      putService: db.prepare('INSERT OR REPLACE INTO ecs_services (arn, account, region, cluster_arn, name, status, doc) VALUES (@arn, @account, @region, @cluster_arn, @name, @status, @doc)'),
      deleteService: db.prepare('DELETE FROM ecs_services WHERE arn = ?'),
      instances: db.prepare('SELECT doc FROM ecs_container_instances'),
      putInstance: db.prepare('INSERT OR REPLACE INTO ecs_container_instances (arn, account, region, cluster_arn, ec2_instance_id, status, doc) VALUES (@arn, @account, @region, @cluster_arn, @ec2_instance_id, @status, @doc)'),
      deleteInstance: db.prepare('DELETE FROM ecs_container_instances WHERE arn = ?'),
    };
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  loadClusters(): ClusterDoc[] {
    return (this.s.clusters.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as ClusterDoc);
  }
  putCluster(c: ClusterDoc): void {
    this.s.putCluster.run({ arn: c.arn, account: c.account, region: c.region, name: c.name, doc: JSON.stringify(c) });
  }
  deleteCluster(arn: string): void {
    this.s.deleteCluster.run(arn);
  }

  loadTaskDefinitions(): TaskDefinitionDoc[] {
    return (this.s.taskDefs.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as TaskDefinitionDoc);
  }
  putTaskDefinition(t: TaskDefinitionDoc): void {
    this.s.putTaskDef.run({ arn: t.arn, account: t.account, region: t.region, family: t.family, revision: t.revision, status: t.status, doc: JSON.stringify(t) });
  }
  deleteTaskDefinition(arn: string): void {
    this.s.deleteTaskDef.run(arn);
  }

  loadTasks(): TaskDoc[] {
    return (this.s.tasks.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as TaskDoc);
  }
  putTask(t: TaskDoc): void {
    this.s.putTask.run({ arn: t.arn, account: t.account, region: t.region, cluster_arn: t.clusterArn, last_status: t.lastStatus, stopped_at: t.stoppedAt ?? null, doc: JSON.stringify(t) });
  }
  deleteTask(arn: string): void {
    this.s.deleteTask.run(arn);
  }

  loadServices(): ServiceDoc[] {
    return (this.s.services.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as ServiceDoc);
  }
  putService(s: ServiceDoc): void {
    this.s.putService.run({ arn: s.arn, account: s.account, region: s.region, cluster_arn: s.clusterArn, name: s.name, status: s.status, doc: JSON.stringify(s) });
  }
  deleteService(arn: string): void {
    this.s.deleteService.run(arn);
  }

  loadContainerInstances(): ContainerInstanceDoc[] {
    return (this.s.instances.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as ContainerInstanceDoc);
  }
  putContainerInstance(c: ContainerInstanceDoc): void {
    this.s.putInstance.run({ arn: c.arn, account: c.account, region: c.region, cluster_arn: c.clusterArn, ec2_instance_id: c.ec2InstanceId, status: c.status, doc: JSON.stringify(c) });
  }
  deleteContainerInstance(arn: string): void {
    this.s.deleteInstance.run(arn);
  }
}
