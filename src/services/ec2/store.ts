import type { Db } from '../../store/db.ts';

// All SQL for EC2 lives here (DESIGN.md: SQL only in store files). One transaction per state change.

export interface Scope { account: string; region: string }

export interface VpcRow { id: string; account: string; region: string; cidr: string; is_default: number; created_at: number }
export interface SubnetRow { id: string; vpc_id: string; account: string; region: string; az: string; az_id: string; cidr: string; default_for_az: number; created_at: number }
export interface SecurityGroupRow { id: string; account: string; region: string; vpc_id: string; name: string; description: string; created_at: number }
export interface RuleRow { id: string; group_id: string; is_egress: number; protocol: string; from_port: number | null; to_port: number | null; cidr: string | null; source_group_id: string | null; description: string | null }
export interface KeyPairRow { id: string; account: string; region: string; name: string; key_type: string; fingerprint: string; public_key: string; created_at: number }
export interface ImageRow { id: string; account: string | null; region: string | null; owner: string; name: string; description: string | null; state: string; architecture: string; platform_details: string; source_instance_id: string | null; source_image_id: string | null; snapshot_dir: string | null; created_at: number;
  /** Driver of its instances ('vm' | 'process'; migration 014); null = the server's default. */
  driver: string | null }
export interface InstanceRow {
  id: string; account: string; region: string; reservation_id: string; launch_index: number; image_id: string; instance_type: string;
  state: string; subnet_id: string; vpc_id: string; az: string; private_ip: string; key_name: string | null; user_data: string | null;
  client_token: string | null; launch_time: number; state_transition_reason: string; state_reason_code: string | null;
  state_reason_message: string | null; security_group_ids: string; shutdown_behavior: string; disable_api_termination: number;
  driver_token: string | null; terminated_at: number | null; updated_at: number;
  /** Purchase options (migration 011). */
  market: 'on-demand' | 'spot'; spot_request_id: string | null; spot_max_price: number | null; interruption_behavior: string | null;
  tenancy: 'default' | 'dedicated' | 'host'; host_id: string | null;
  /** A pending spot interruption: {"action","cause"} and when it happens. */
  instance_action_json: string | null; interruption_at: number | null;
  /** The driver its AMI named at launch ('vm' | 'process'; migration 014); null = the server's default. */
  driver: string | null;
}
export interface HostRow {
  id: string; account: string; region: string; az: string; instance_type: string | null; instance_family: string;
  auto_placement: string; host_recovery: string; state: string; client_token: string | null; allocated_at: number; released_at: number | null;
}
export interface SpotRequestRow {
  id: string; account: string; region: string; type: 'one-time' | 'persistent'; state: string; status_code: string; status_message: string;
  status_updated_at: number; max_price: number; interruption_behavior: string; launch_spec: string; instance_id: string | null;
  launched_az: string | null; valid_from: number | null; valid_until: number | null; launch_group: string | null; az_group: string | null;
  client_token: string | null; created_at: number;
}
export interface VolumeRow {
  id: string; account: string; region: string; az: string; size_gib: number; volume_type: string; iops: number | null; state: string;
  created_at: number; instance_id: string | null; device: string | null; attach_state: string | null; attach_time: number | null; delete_on_termination: number;
}
export interface TagRow { resource_id: string; resource_type: string; key: string; value: string }

export class Ec2Store {
  constructor(readonly db: Db) {}

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- VPCs and subnets
  defaultVpc(s: Scope): VpcRow | undefined {
    return this.db.prepare('SELECT * FROM vpcs WHERE account=? AND region=? AND is_default=1').get(s.account, s.region) as VpcRow | undefined;
  }
  insertVpc(v: VpcRow): void {
    this.db.prepare('INSERT INTO vpcs VALUES (@id,@account,@region,@cidr,@is_default,@created_at)').run(v);
  }
  insertSubnet(r: SubnetRow): void {
    this.db.prepare('INSERT INTO subnets VALUES (@id,@vpc_id,@account,@region,@az,@az_id,@cidr,@default_for_az,@created_at)').run(r);
  }
  vpcs(s: Scope): VpcRow[] {
    return this.db.prepare('SELECT * FROM vpcs WHERE account=? AND region=? ORDER BY created_at, id').all(s.account, s.region) as VpcRow[];
  }
  subnets(s: Scope): SubnetRow[] {
    return this.db.prepare('SELECT * FROM subnets WHERE account=? AND region=? ORDER BY az').all(s.account, s.region) as SubnetRow[];
  }
  subnet(id: string): SubnetRow | undefined {
    return this.db.prepare('SELECT * FROM subnets WHERE id=?').get(id) as SubnetRow | undefined;
  }
  /** IPs in use by instances not yet terminated, across all VPCs (they share one bridge). */
  usedIps(): Set<string> {
    const rows = this.db.prepare("SELECT private_ip FROM instances WHERE state != 'terminated'").all() as { private_ip: string }[];
    return new Set(rows.map((r) => r.private_ip));
  }

  // ---- security groups
  insertGroup(g: SecurityGroupRow): void {
    this.db.prepare('INSERT INTO security_groups VALUES (@id,@account,@region,@vpc_id,@name,@description,@created_at)').run(g);
  }
  groups(s: Scope): SecurityGroupRow[] {
    return this.db.prepare('SELECT * FROM security_groups WHERE account=? AND region=? ORDER BY created_at, id').all(s.account, s.region) as SecurityGroupRow[];
  }
  group(id: string): SecurityGroupRow | undefined {
    return this.db.prepare('SELECT * FROM security_groups WHERE id=?').get(id) as SecurityGroupRow | undefined;
  }
  groupByName(s: Scope, vpcId: string, name: string): SecurityGroupRow | undefined {
    return this.db.prepare('SELECT * FROM security_groups WHERE account=? AND region=? AND vpc_id=? AND name=?').get(s.account, s.region, vpcId, name) as SecurityGroupRow | undefined;
  }
  deleteGroup(id: string): void {
    this.db.prepare('DELETE FROM security_groups WHERE id=?').run(id);
    this.deleteTagsOf(id);
  }
  rules(groupId: string): RuleRow[] {
    return this.db.prepare('SELECT * FROM security_group_rules WHERE group_id=? ORDER BY rowid').all(groupId) as RuleRow[];
  }
  insertRule(r: RuleRow): void {
    this.db.prepare('INSERT INTO security_group_rules VALUES (@id,@group_id,@is_egress,@protocol,@from_port,@to_port,@cidr,@source_group_id,@description)').run(r);
  }
  deleteRule(id: string): void {
    this.db.prepare('DELETE FROM security_group_rules WHERE id=?').run(id);
  }
  groupsReferencing(groupId: string): string[] {
    return (this.db.prepare('SELECT DISTINCT group_id FROM security_group_rules WHERE source_group_id=?').all(groupId) as { group_id: string }[]).map((r) => r.group_id);
  }

  // ---- key pairs
  insertKeyPair(k: KeyPairRow): void {
    this.db.prepare('INSERT INTO key_pairs VALUES (@id,@account,@region,@name,@key_type,@fingerprint,@public_key,@created_at)').run(k);
  }
  keyPairs(s: Scope): KeyPairRow[] {
    return this.db.prepare('SELECT * FROM key_pairs WHERE account=? AND region=? ORDER BY name').all(s.account, s.region) as KeyPairRow[];
  }
  keyPairByName(s: Scope, name: string): KeyPairRow | undefined {
    return this.db.prepare('SELECT * FROM key_pairs WHERE account=? AND region=? AND name=?').get(s.account, s.region, name) as KeyPairRow | undefined;
  }
  deleteKeyPair(id: string): void {
    this.db.prepare('DELETE FROM key_pairs WHERE id=?').run(id);
    this.deleteTagsOf(id);
  }

  // ---- images
  insertImage(i: ImageRow): void {
    const cols = Object.keys(i);
    this.db.prepare(`INSERT INTO images (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`).run(i);
  }
  images(s: Scope): ImageRow[] {
    return this.db.prepare('SELECT * FROM images WHERE account=? AND region=? ORDER BY created_at, id').all(s.account, s.region) as ImageRow[];
  }
  image(id: string): ImageRow | undefined {
    return this.db.prepare('SELECT * FROM images WHERE id=?').get(id) as ImageRow | undefined;
  }
  imageByName(s: Scope, name: string): ImageRow | undefined {
    return this.db.prepare('SELECT * FROM images WHERE account=? AND region=? AND name=?').get(s.account, s.region, name) as ImageRow | undefined;
  }
  setImageState(id: string, state: string): void {
    this.db.prepare('UPDATE images SET state=? WHERE id=?').run(state, id);
  }
  deleteImage(id: string): void {
    this.db.prepare('DELETE FROM images WHERE id=?').run(id);
    this.deleteTagsOf(id);
  }

  // ---- instances
  insertInstance(i: InstanceRow): void {
    const cols = Object.keys(i);
    this.db.prepare(`INSERT INTO instances (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`).run(i);
  }
  instance(id: string): InstanceRow | undefined {
    return this.db.prepare('SELECT * FROM instances WHERE id=?').get(id) as InstanceRow | undefined;
  }
  instances(s: Scope): InstanceRow[] {
    return this.db.prepare('SELECT * FROM instances WHERE account=? AND region=? ORDER BY launch_time, reservation_id, launch_index').all(s.account, s.region) as InstanceRow[];
  }
  instancesByToken(s: Scope, token: string): InstanceRow[] {
    return this.db.prepare('SELECT * FROM instances WHERE account=? AND region=? AND client_token=? ORDER BY launch_index').all(s.account, s.region, token) as InstanceRow[];
  }
  /** Every instance the compute engine should have a workload for, in every account/region. */
  liveInstances(): InstanceRow[] {
    return this.db.prepare("SELECT * FROM instances WHERE state IN ('pending','running','stopping','shutting-down')").all() as InstanceRow[];
  }
  instanceByIp(ip: string): InstanceRow | undefined {
    return this.db.prepare("SELECT * FROM instances WHERE private_ip=? AND state != 'terminated'").get(ip) as InstanceRow | undefined;
  }
  instancesInGroup(groupId: string): InstanceRow[] {
    return this.db.prepare("SELECT * FROM instances WHERE state != 'terminated' AND security_group_ids LIKE ?").all(`%"${groupId}"%`) as InstanceRow[];
  }
  updateInstance(id: string, fields: Partial<InstanceRow>): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.db.prepare(`UPDATE instances SET ${keys.map((k) => `${k}=@${k}`).join(', ')} WHERE id=@id`).run({ ...fields, id });
  }

  /** Running spot instances with an interruption notice due at or before atMs. */
  interruptionsDue(atMs: number): InstanceRow[] {
    return this.db.prepare("SELECT * FROM instances WHERE interruption_at IS NOT NULL AND interruption_at <= ? AND state = 'running' ORDER BY interruption_at").all(atMs) as InstanceRow[];
  }
  runningSpotInstances(): InstanceRow[] {
    return this.db.prepare("SELECT * FROM instances WHERE market = 'spot' AND state = 'running' ORDER BY launch_time, id").all() as InstanceRow[];
  }
  /** Instances placed on a dedicated host (every state but terminated). */
  instancesOnHost(hostId: string): InstanceRow[] {
    return this.db.prepare("SELECT * FROM instances WHERE host_id = ? AND state != 'terminated' ORDER BY launch_time, id").all(hostId) as InstanceRow[];
  }

  // ---- dedicated hosts
  insertHost(h: HostRow): void {
    this.db.prepare('INSERT INTO hosts VALUES (@id,@account,@region,@az,@instance_type,@instance_family,@auto_placement,@host_recovery,@state,@client_token,@allocated_at,@released_at)').run(h);
  }
  host(id: string): HostRow | undefined {
    return this.db.prepare('SELECT * FROM hosts WHERE id=?').get(id) as HostRow | undefined;
  }
  hosts(s: Scope): HostRow[] {
    return this.db.prepare('SELECT * FROM hosts WHERE account=? AND region=? ORDER BY allocated_at, id').all(s.account, s.region) as HostRow[];
  }
  hostsByToken(s: Scope, token: string): HostRow[] {
    return this.db.prepare('SELECT * FROM hosts WHERE account=? AND region=? AND client_token=? ORDER BY id').all(s.account, s.region, token) as HostRow[];
  }
  updateHost(id: string, fields: Partial<HostRow>): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.db.prepare(`UPDATE hosts SET ${keys.map((k) => `${k}=@${k}`).join(', ')} WHERE id=@id`).run({ ...fields, id });
  }

  // ---- spot instance requests
  insertSpotRequest(r: SpotRequestRow): void {
    const cols = Object.keys(r);
    this.db.prepare(`INSERT INTO spot_requests (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`).run(r);
  }
  spotRequest(id: string): SpotRequestRow | undefined {
    return this.db.prepare('SELECT * FROM spot_requests WHERE id=?').get(id) as SpotRequestRow | undefined;
  }
  spotRequests(s: Scope): SpotRequestRow[] {
    return this.db.prepare('SELECT * FROM spot_requests WHERE account=? AND region=? ORDER BY created_at, id').all(s.account, s.region) as SpotRequestRow[];
  }
  spotRequestsByToken(s: Scope, token: string): SpotRequestRow[] {
    return this.db.prepare('SELECT * FROM spot_requests WHERE account=? AND region=? AND client_token=? ORDER BY id').all(s.account, s.region, token) as SpotRequestRow[];
  }
  /** Requests the spot market acts on, in every account: open ones and disabled (stopped) persistent ones. */
  pendingSpotRequests(): SpotRequestRow[] {
    return this.db.prepare("SELECT * FROM spot_requests WHERE state IN ('open','disabled') ORDER BY created_at, id").all() as SpotRequestRow[];
  }
  updateSpotRequest(id: string, fields: Partial<SpotRequestRow>): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.db.prepare(`UPDATE spot_requests SET ${keys.map((k) => `${k}=@${k}`).join(', ')} WHERE id=@id`).run({ ...fields, id });
  }

  // ---- volumes
  insertVolume(v: VolumeRow): void {
    this.db.prepare('INSERT INTO volumes VALUES (@id,@account,@region,@az,@size_gib,@volume_type,@iops,@state,@created_at,@instance_id,@device,@attach_state,@attach_time,@delete_on_termination)').run(v);
  }
  volume(id: string): VolumeRow | undefined {
    return this.db.prepare('SELECT * FROM volumes WHERE id=?').get(id) as VolumeRow | undefined;
  }
  volumes(s: Scope): VolumeRow[] {
    return this.db.prepare('SELECT * FROM volumes WHERE account=? AND region=? ORDER BY created_at, id').all(s.account, s.region) as VolumeRow[];
  }
  volumesOf(instanceId: string): VolumeRow[] {
    return this.db.prepare('SELECT * FROM volumes WHERE instance_id=? ORDER BY device').all(instanceId) as VolumeRow[];
  }
  updateVolume(id: string, fields: Partial<VolumeRow>): void {
    const keys = Object.keys(fields);
    this.db.prepare(`UPDATE volumes SET ${keys.map((k) => `${k}=@${k}`).join(', ')} WHERE id=@id`).run({ ...fields, id });
  }
  deleteVolume(id: string): void {
    this.db.prepare('DELETE FROM volumes WHERE id=?').run(id);
    this.deleteTagsOf(id);
  }

  // ---- tags
  setTag(t: TagRow & Scope): void {
    this.db.prepare('INSERT INTO tags VALUES (@resource_id,@resource_type,@account,@region,@key,@value) ON CONFLICT(resource_id,key) DO UPDATE SET value=excluded.value').run(t);
  }
  deleteTag(resourceId: string, key: string, value?: string): void {
    if (value === undefined) this.db.prepare('DELETE FROM tags WHERE resource_id=? AND key=?').run(resourceId, key);
    else this.db.prepare('DELETE FROM tags WHERE resource_id=? AND key=? AND value=?').run(resourceId, key, value);
  }
  deleteTagsOf(resourceId: string): void {
    this.db.prepare('DELETE FROM tags WHERE resource_id=?').run(resourceId);
  }
  tagsOf(resourceId: string): TagRow[] {
    return this.db.prepare('SELECT resource_id, resource_type, key, value FROM tags WHERE resource_id=? ORDER BY key').all(resourceId) as TagRow[];
  }
  tags(s: Scope): TagRow[] {
    return this.db.prepare('SELECT resource_id, resource_type, key, value FROM tags WHERE account=? AND region=? ORDER BY resource_id, key').all(s.account, s.region) as TagRow[];
  }
}
