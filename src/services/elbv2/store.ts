import type { Db } from '../../store/db.ts';

// All SQL for ELBv2 (DESIGN.md: SQL only in store files). One transaction per state change.

export interface LbRow {
  arn: string; account: string; region: string; name: string; type: string; scheme: string; ip_address_type: string; vpc_id: string;
  subnets: string; security_groups: string; attributes: string; dns_name: string; address: string; created_at: number;
}
export interface TgRow { arn: string; account: string; region: string; name: string; spec: string; attributes: string; created_at: number }
export interface ListenerRow { arn: string; lb_arn: string; protocol: string; port: number; default_actions: string; created_at: number }
export interface RuleRow { arn: string; listener_arn: string; priority: number; conditions: string; actions: string; created_at: number }
export interface TargetRow { tg_arn: string; target_id: string; port: number; zone: string | null; registered_at: number }

export interface Scope { account: string; region: string }

export class Elbv2Store {
  constructor(readonly db: Db) {}

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- load balancers
  insertLb(r: LbRow): void {
    this.db.prepare('INSERT INTO elbv2_load_balancers VALUES (@arn,@account,@region,@name,@type,@scheme,@ip_address_type,@vpc_id,@subnets,@security_groups,@attributes,@dns_name,@address,@created_at)').run(r);
  }
  lb(arn: string): LbRow | undefined {
    return this.db.prepare('SELECT * FROM elbv2_load_balancers WHERE arn=?').get(arn) as LbRow | undefined;
  }
  lbByName(s: Scope, name: string): LbRow | undefined {
    return this.db.prepare('SELECT * FROM elbv2_load_balancers WHERE account=? AND region=? AND name=?').get(s.account, s.region, name) as LbRow | undefined;
  }
  lbs(s: Scope): LbRow[] {
    return this.db.prepare('SELECT * FROM elbv2_load_balancers WHERE account=? AND region=? ORDER BY created_at, arn').all(s.account, s.region) as LbRow[];
  }
  allLbs(): LbRow[] {
    return this.db.prepare('SELECT * FROM elbv2_load_balancers ORDER BY created_at, arn').all() as LbRow[];
  }
  setLbAttributes(arn: string, attributes: string): void {
    this.db.prepare('UPDATE elbv2_load_balancers SET attributes=? WHERE arn=?').run(attributes, arn);
  }
  setLbAddress(arn: string, address: string): void {
    this.db.prepare('UPDATE elbv2_load_balancers SET address=? WHERE arn=?').run(address, arn);
  }
  deleteLb(arn: string): void {
    this.db.prepare('DELETE FROM elbv2_load_balancers WHERE arn=?').run(arn);
    this.deleteTags(arn);
  }

  // ---- target groups
  insertTg(r: TgRow): void {
    this.db.prepare('INSERT INTO elbv2_target_groups VALUES (@arn,@account,@region,@name,@spec,@attributes,@created_at)').run(r);
  }
  tg(arn: string): TgRow | undefined {
    return this.db.prepare('SELECT * FROM elbv2_target_groups WHERE arn=?').get(arn) as TgRow | undefined;
  }
  tgByName(s: Scope, name: string): TgRow | undefined {
    return this.db.prepare('SELECT * FROM elbv2_target_groups WHERE account=? AND region=? AND name=?').get(s.account, s.region, name) as TgRow | undefined;
  }
  tgs(s: Scope): TgRow[] {
    return this.db.prepare('SELECT * FROM elbv2_target_groups WHERE account=? AND region=? ORDER BY created_at, arn').all(s.account, s.region) as TgRow[];
  }
  allTgs(): TgRow[] {
    return this.db.prepare('SELECT * FROM elbv2_target_groups ORDER BY created_at, arn').all() as TgRow[];
  }
  updateTg(arn: string, spec: string, attributes: string): void {
    this.db.prepare('UPDATE elbv2_target_groups SET spec=?, attributes=? WHERE arn=?').run(spec, attributes, arn);
  }
  deleteTg(arn: string): void {
    this.db.prepare('DELETE FROM elbv2_target_groups WHERE arn=?').run(arn);
    this.deleteTags(arn);
  }

  // ---- targets
  targets(tgArn: string): TargetRow[] {
    return this.db.prepare('SELECT * FROM elbv2_targets WHERE tg_arn=? ORDER BY registered_at, target_id, port').all(tgArn) as TargetRow[];
  }
  putTarget(r: TargetRow): void {
    this.db.prepare('INSERT OR IGNORE INTO elbv2_targets VALUES (@tg_arn,@target_id,@port,@zone,@registered_at)').run(r);
  }
  deleteTarget(tgArn: string, id: string, port: number): void {
    this.db.prepare('DELETE FROM elbv2_targets WHERE tg_arn=? AND target_id=? AND port=?').run(tgArn, id, port);
  }
  registrationsOf(targetId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM elbv2_targets WHERE target_id=?').get(targetId) as { n: number }).n;
  }

  // ---- listeners
  insertListener(r: ListenerRow): void {
    this.db.prepare('INSERT INTO elbv2_listeners VALUES (@arn,@lb_arn,@protocol,@port,@default_actions,@created_at)').run(r);
  }
  listener(arn: string): ListenerRow | undefined {
    return this.db.prepare('SELECT * FROM elbv2_listeners WHERE arn=?').get(arn) as ListenerRow | undefined;
  }
  listeners(lbArn: string): ListenerRow[] {
    return this.db.prepare('SELECT * FROM elbv2_listeners WHERE lb_arn=? ORDER BY created_at, arn').all(lbArn) as ListenerRow[];
  }
  allListeners(): ListenerRow[] {
    return this.db.prepare('SELECT * FROM elbv2_listeners ORDER BY created_at, arn').all() as ListenerRow[];
  }
  updateListener(r: ListenerRow): void {
    this.db.prepare('UPDATE elbv2_listeners SET protocol=@protocol, port=@port, default_actions=@default_actions WHERE arn=@arn').run(r);
  }
  deleteListener(arn: string): void {
    for (const r of this.rules(arn)) this.deleteTags(r.arn);
    this.db.prepare('DELETE FROM elbv2_listeners WHERE arn=?').run(arn);
    this.deleteTags(arn);
  }

  // ---- rules
  insertRule(r: RuleRow): void {
    this.db.prepare('INSERT INTO elbv2_rules VALUES (@arn,@listener_arn,@priority,@conditions,@actions,@created_at)').run(r);
  }
  rule(arn: string): RuleRow | undefined {
    return this.db.prepare('SELECT * FROM elbv2_rules WHERE arn=?').get(arn) as RuleRow | undefined;
  }
  rules(listenerArn: string): RuleRow[] {
    return this.db.prepare('SELECT * FROM elbv2_rules WHERE listener_arn=? ORDER BY priority').all(listenerArn) as RuleRow[];
  }
  updateRule(arn: string, conditions: string, actions: string): void {
    this.db.prepare('UPDATE elbv2_rules SET conditions=?, actions=? WHERE arn=?').run(conditions, actions, arn);
  }
  setPriority(arn: string, priority: number): void {
    this.db.prepare('UPDATE elbv2_rules SET priority=? WHERE arn=?').run(priority, arn);
  }
  deleteRule(arn: string): void {
    this.db.prepare('DELETE FROM elbv2_rules WHERE arn=?').run(arn);
    this.deleteTags(arn);
  }

  // ---- tags
  tags(arn: string): Array<{ key: string; value: string }> {
    return this.db.prepare('SELECT key, value FROM elbv2_tags WHERE arn=? ORDER BY key').all(arn) as Array<{ key: string; value: string }>;
  }
  putTag(arn: string, key: string, value: string): void {
    this.db.prepare('INSERT INTO elbv2_tags VALUES (?,?,?) ON CONFLICT (arn, key) DO UPDATE SET value=excluded.value').run(arn, key, value);
  }
  deleteTag(arn: string, key: string): void {
    this.db.prepare('DELETE FROM elbv2_tags WHERE arn=? AND key=?').run(arn, key);
  }
  deleteTags(arn: string): void {
    this.db.prepare('DELETE FROM elbv2_tags WHERE arn=?').run(arn);
  }
}
