import type { Db } from '../../store/db.ts';
import type { Scope, TemplateRef } from './ports.ts';

// All SQL for Auto Scaling (DESIGN.md: SQL only in store files). One transaction per state change.

export interface GroupConfig {
  launchTemplate?: TemplateRef;
  /** MixedInstancesPolicy as given (basic support: its LaunchTemplateSpecification and first override type). */
  mixedInstancesPolicy?: { LaunchTemplate?: { LaunchTemplateSpecification?: TemplateRef; Overrides?: { InstanceType?: string }[] }; InstancesDistribution?: unknown };
  subnets: string[];
  azs: string[];
  healthCheckType: 'EC2' | 'ELB';
  /** Seconds. */
  gracePeriod: number;
  targetGroupArns: string[];
  defaultCooldown: number;
  terminationPolicies: string[];
  newInstancesProtected: boolean;
  defaultInstanceWarmup?: number;
  maxInstanceLifetime?: number;
  capacityRebalance?: boolean;
  suspended?: string[];
}

export interface GroupRow {
  account: string; region: string; name: string; arn: string; min_size: number; max_size: number; desired: number;
  config: string; status: string | null; created_at: number; last_scaling_at: number | null; pending_cause: string | null;
}

export interface AsgInstanceRow {
  instance_id: string; account: string; region: string; group_name: string; lifecycle_state: string; health_status: string;
  protected: number; launch_template: string | null; instance_type: string | null; image_id: string | null; az: string;
  launched_at: number; in_service_at: number | null; hook_name: string | null; hook_token: string | null; hook_deadline: number | null;
  hook_result: string | null; activity_id: string | null; refresh_id: string | null; updated_at: number;
}

export interface ActivityRow {
  id: string; account: string; region: string; group_name: string; description: string; cause: string; details: string | null;
  status_code: string; status_message: string | null; progress: number; start_time: number; end_time: number | null; seq: number;
}

export interface PolicyRow { arn: string; account: string; region: string; group_name: string; name: string; type: string; config: string; alarms: string; last_executed: number | null }
export interface ScheduledRow { arn: string; account: string; region: string; group_name: string; name: string; config: string; next_run: number | null }
export interface HookRow { account: string; region: string; group_name: string; name: string; config: string }
export interface RefreshRow {
  id: string; account: string; region: string; group_name: string; status: string; status_reason: string | null; start_time: number;
  end_time: number | null; preferences: string; instances_to_update: number; replaced: string; desired_config: string | null;
}
export interface AsgTagRow { account: string; region: string; group_name: string; key: string; value: string; propagate: number }

const set = (fields: object) => Object.keys(fields).map((k) => `${k}=@${k}`).join(', ');

export class ScalingStore {
  private seq = 0;
  constructor(readonly db: Db) {
    const r = db.prepare('SELECT MAX(seq) AS m FROM asg_activities').get() as { m: number | null };
    this.seq = r.m ?? 0;
  }
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- groups
  group(s: Scope, name: string): GroupRow | undefined {
    return this.db.prepare('SELECT * FROM asg_groups WHERE account=? AND region=? AND name=?').get(s.account, s.region, name) as GroupRow | undefined;
  }
  groups(s: Scope): GroupRow[] {
    return this.db.prepare('SELECT * FROM asg_groups WHERE account=? AND region=? ORDER BY name').all(s.account, s.region) as GroupRow[];
  }
  allGroups(): GroupRow[] {
    return this.db.prepare('SELECT * FROM asg_groups ORDER BY account, region, name').all() as GroupRow[];
  }
  insertGroup(g: GroupRow): void {
    this.db.prepare('INSERT INTO asg_groups VALUES (@account,@region,@name,@arn,@min_size,@max_size,@desired,@config,@status,@created_at,@last_scaling_at,@pending_cause)').run(g);
  }
  updateGroup(s: Scope, name: string, f: Partial<GroupRow>): void {
    if (!Object.keys(f).length) return;
    this.db.prepare(`UPDATE asg_groups SET ${set(f)} WHERE account=@a_ AND region=@r_ AND name=@n_`).run({ ...f, a_: s.account, r_: s.region, n_: name });
  }
  deleteGroup(s: Scope, name: string): void {
    for (const t of ['asg_policies', 'asg_scheduled_actions', 'asg_lifecycle_hooks', 'asg_tags', 'asg_instances', 'asg_refreshes']) {
      this.db.prepare(`DELETE FROM ${t} WHERE account=? AND region=? AND group_name=?`).run(s.account, s.region, name);
    }
    this.db.prepare('DELETE FROM asg_groups WHERE account=? AND region=? AND name=?').run(s.account, s.region, name);
  }

  // ---- instances
  instances(s: Scope, group: string): AsgInstanceRow[] {
    return this.db.prepare('SELECT * FROM asg_instances WHERE account=? AND region=? AND group_name=? ORDER BY launched_at, instance_id').all(s.account, s.region, group) as AsgInstanceRow[];
  }
  allInstances(s: Scope): AsgInstanceRow[] {
    return this.db.prepare('SELECT * FROM asg_instances WHERE account=? AND region=? ORDER BY group_name, launched_at, instance_id').all(s.account, s.region) as AsgInstanceRow[];
  }
  instance(id: string): AsgInstanceRow | undefined {
    return this.db.prepare('SELECT * FROM asg_instances WHERE instance_id=?').get(id) as AsgInstanceRow | undefined;
  }
  insertInstance(r: AsgInstanceRow): void {
    this.db.prepare(`INSERT INTO asg_instances VALUES (@instance_id,@account,@region,@group_name,@lifecycle_state,@health_status,@protected,@launch_template,@instance_type,@image_id,@az,@launched_at,@in_service_at,@hook_name,@hook_token,@hook_deadline,@hook_result,@activity_id,@refresh_id,@updated_at)`).run(r);
  }
  updateInstance(id: string, f: Partial<AsgInstanceRow>): void {
    if (!Object.keys(f).length) return;
    this.db.prepare(`UPDATE asg_instances SET ${set(f)} WHERE instance_id=@id_`).run({ ...f, id_: id });
  }
  deleteInstance(id: string): void {
    this.db.prepare('DELETE FROM asg_instances WHERE instance_id=?').run(id);
  }

  // ---- activities
  insertActivity(a: Omit<ActivityRow, 'seq'>): void {
    this.db.prepare('INSERT INTO asg_activities VALUES (@id,@account,@region,@group_name,@description,@cause,@details,@status_code,@status_message,@progress,@start_time,@end_time,@seq)').run({ ...a, seq: ++this.seq });
  }
  updateActivity(id: string, f: Partial<ActivityRow>): void {
    if (!Object.keys(f).length) return;
    this.db.prepare(`UPDATE asg_activities SET ${set(f)} WHERE id=@id_`).run({ ...f, id_: id });
  }
  activities(s: Scope, group?: string): ActivityRow[] {
    if (group) return this.db.prepare('SELECT * FROM asg_activities WHERE account=? AND region=? AND group_name=? ORDER BY seq DESC').all(s.account, s.region, group) as ActivityRow[];
    return this.db.prepare('SELECT * FROM asg_activities WHERE account=? AND region=? ORDER BY seq DESC').all(s.account, s.region) as ActivityRow[];
  }
  activity(id: string): ActivityRow | undefined {
    return this.db.prepare('SELECT * FROM asg_activities WHERE id=?').get(id) as ActivityRow | undefined;
  }

  // ---- policies
  policies(s: Scope, group?: string): PolicyRow[] {
    if (group) return this.db.prepare('SELECT * FROM asg_policies WHERE account=? AND region=? AND group_name=? ORDER BY name').all(s.account, s.region, group) as PolicyRow[];
    return this.db.prepare('SELECT * FROM asg_policies WHERE account=? AND region=? ORDER BY group_name, name').all(s.account, s.region) as PolicyRow[];
  }
  policy(s: Scope, group: string, name: string): PolicyRow | undefined {
    return this.db.prepare('SELECT * FROM asg_policies WHERE account=? AND region=? AND group_name=? AND name=?').get(s.account, s.region, group, name) as PolicyRow | undefined;
  }
  policyByArn(arn: string): PolicyRow | undefined {
    return this.db.prepare('SELECT * FROM asg_policies WHERE arn=?').get(arn) as PolicyRow | undefined;
  }
  upsertPolicy(p: PolicyRow): void {
    this.db.prepare(`INSERT INTO asg_policies VALUES (@arn,@account,@region,@group_name,@name,@type,@config,@alarms,@last_executed)
      ON CONFLICT(arn) DO UPDATE SET type=excluded.type, config=excluded.config, alarms=excluded.alarms`).run(p);
  }
  updatePolicy(arn: string, f: Partial<PolicyRow>): void {
    this.db.prepare(`UPDATE asg_policies SET ${set(f)} WHERE arn=@arn_`).run({ ...f, arn_: arn });
  }
  deletePolicy(arn: string): void {
    this.db.prepare('DELETE FROM asg_policies WHERE arn=?').run(arn);
  }

  // ---- scheduled actions
  scheduled(s: Scope, group?: string): ScheduledRow[] {
    if (group) return this.db.prepare('SELECT * FROM asg_scheduled_actions WHERE account=? AND region=? AND group_name=? ORDER BY name').all(s.account, s.region, group) as ScheduledRow[];
    return this.db.prepare('SELECT * FROM asg_scheduled_actions WHERE account=? AND region=? ORDER BY group_name, name').all(s.account, s.region) as ScheduledRow[];
  }
  upsertScheduled(r: ScheduledRow): void {
    this.db.prepare(`INSERT INTO asg_scheduled_actions VALUES (@arn,@account,@region,@group_name,@name,@config,@next_run)
      ON CONFLICT(arn) DO UPDATE SET config=excluded.config, next_run=excluded.next_run`).run(r);
  }
  setNextRun(arn: string, next: number | null): void {
    this.db.prepare('UPDATE asg_scheduled_actions SET next_run=? WHERE arn=?').run(next, arn);
  }
  deleteScheduled(arn: string): void {
    this.db.prepare('DELETE FROM asg_scheduled_actions WHERE arn=?').run(arn);
  }

  // ---- lifecycle hooks
  hooks(s: Scope, group: string): HookRow[] {
    return this.db.prepare('SELECT * FROM asg_lifecycle_hooks WHERE account=? AND region=? AND group_name=? ORDER BY name').all(s.account, s.region, group) as HookRow[];
  }
  upsertHook(h: HookRow): void {
    this.db.prepare(`INSERT INTO asg_lifecycle_hooks VALUES (@account,@region,@group_name,@name,@config)
      ON CONFLICT(account,region,group_name,name) DO UPDATE SET config=excluded.config`).run(h);
  }
  deleteHook(s: Scope, group: string, name: string): number {
    return this.db.prepare('DELETE FROM asg_lifecycle_hooks WHERE account=? AND region=? AND group_name=? AND name=?').run(s.account, s.region, group, name).changes;
  }

  // ---- instance refreshes
  refreshes(s: Scope, group: string): RefreshRow[] {
    return this.db.prepare('SELECT * FROM asg_refreshes WHERE account=? AND region=? AND group_name=? ORDER BY start_time DESC, rowid DESC').all(s.account, s.region, group) as RefreshRow[];
  }
  insertRefresh(r: RefreshRow): void {
    this.db.prepare('INSERT INTO asg_refreshes VALUES (@id,@account,@region,@group_name,@status,@status_reason,@start_time,@end_time,@preferences,@instances_to_update,@replaced,@desired_config)').run(r);
  }
  updateRefresh(id: string, f: Partial<RefreshRow>): void {
    this.db.prepare(`UPDATE asg_refreshes SET ${set(f)} WHERE id=@id_`).run({ ...f, id_: id });
  }

  // ---- tags
  tags(s: Scope, group?: string): AsgTagRow[] {
    if (group) return this.db.prepare('SELECT * FROM asg_tags WHERE account=? AND region=? AND group_name=? ORDER BY key').all(s.account, s.region, group) as AsgTagRow[];
    return this.db.prepare('SELECT * FROM asg_tags WHERE account=? AND region=? ORDER BY group_name, key').all(s.account, s.region) as AsgTagRow[];
  }
  setTag(t: AsgTagRow): void {
    this.db.prepare(`INSERT INTO asg_tags VALUES (@account,@region,@group_name,@key,@value,@propagate)
      ON CONFLICT(account,region,group_name,key) DO UPDATE SET value=excluded.value, propagate=excluded.propagate`).run(t);
  }
  deleteTag(s: Scope, group: string, key: string): void {
    this.db.prepare('DELETE FROM asg_tags WHERE account=? AND region=? AND group_name=? AND key=?').run(s.account, s.region, group, key);
  }
}

export const groupConfig = (g: GroupRow): GroupConfig => JSON.parse(g.config) as GroupConfig;
