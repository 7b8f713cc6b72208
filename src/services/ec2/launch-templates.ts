import { awsError } from '../../core/errors.ts';
import type { Db } from '../../store/db.ts';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { paginate } from './domain/paginate.ts';
import { InvalidParameterCombination, InvalidParameterValue, MissingParameter } from './errors.ts';
import type { RunInstancesInput } from './instances/run.ts';
import type { TagSpecification } from './tags.ts';

// EC2 launch templates: versioned launch parameters, used by RunInstances (LaunchTemplate) and Auto Scaling.
//
// LIMITATIONS (see README "Auto Scaling"):
// - RunInstances uses ImageId, InstanceType, KeyName, UserData, SecurityGroupIds/SecurityGroups, the first
//   NetworkInterface's SubnetId/Groups, Placement (AvailabilityZone, Tenancy, HostId), InstanceMarketOptions (spot),
//   DisableApiTermination, InstanceInitiatedShutdownBehavior and TagSpecifications from the template; the other
//   fields (BlockDeviceMappings, IamInstanceProfile, …) are stored and returned, not applied.
// - Launch templates are not taggable through CreateTags (only through TagSpecifications at creation).

export class InvalidLaunchTemplateNameAlreadyExists extends awsError('InvalidLaunchTemplateName.AlreadyExistsException') {}
export class InvalidLaunchTemplateNameNotFound extends awsError('InvalidLaunchTemplateName.NotFoundException') {}
export class InvalidLaunchTemplateNameMalformed extends awsError('InvalidLaunchTemplateName.MalformedException') {}
export class InvalidLaunchTemplateIdNotFound extends awsError('InvalidLaunchTemplateId.NotFound') {}
export class InvalidLaunchTemplateIdMalformed extends awsError('InvalidLaunchTemplateId.Malformed') {}
export class InvalidLaunchTemplateIdVersionNotFound extends awsError('InvalidLaunchTemplateId.VersionNotFound') {}
export class VersionLimitExceeded extends awsError('VersionLimitExceeded') {}

/** AWS: 5,000 versions per template. */
export const MAX_VERSIONS = 5000;

export interface LaunchTemplateRow { id: string; account: string; region: string; name: string; default_version: number; latest_version: number; created_at: number }
export interface LaunchTemplateVersionRow { template_id: string; version: number; description: string | null; data: string; created_at: number }

/** The launch template data Nimbus acts on (the rest of RequestLaunchTemplateData is kept as given). */
export interface LaunchTemplateData {
  ImageId?: string; InstanceType?: string; KeyName?: string; UserData?: string; SecurityGroupIds?: string[]; SecurityGroups?: string[];
  TagSpecifications?: TagSpecification[]; Placement?: { AvailabilityZone?: string; Tenancy?: string; HostId?: string };
  NetworkInterfaces?: { DeviceIndex?: number; SubnetId?: string; Groups?: string[] }[];
  DisableApiTermination?: boolean; InstanceInitiatedShutdownBehavior?: string; InstanceMarketOptions?: RunInstancesInput['InstanceMarketOptions'];
}

// ---- SQL (kept beside the handlers: this file is the launch templates' store too)
export class LaunchTemplateStore {
  constructor(private db: Db) {}
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
  byId(id: string): LaunchTemplateRow | undefined {
    return this.db.prepare('SELECT * FROM launch_templates WHERE id=?').get(id) as LaunchTemplateRow | undefined;
  }
  byName(s: Scope, name: string): LaunchTemplateRow | undefined {
    return this.db.prepare('SELECT * FROM launch_templates WHERE account=? AND region=? AND name=?').get(s.account, s.region, name) as LaunchTemplateRow | undefined;
  }
  all(s: Scope): LaunchTemplateRow[] {
    return this.db.prepare('SELECT * FROM launch_templates WHERE account=? AND region=? ORDER BY created_at, id').all(s.account, s.region) as LaunchTemplateRow[];
  }
  insert(r: LaunchTemplateRow): void {
    this.db.prepare('INSERT INTO launch_templates VALUES (@id,@account,@region,@name,@default_version,@latest_version,@created_at)').run(r);
  }
  update(id: string, f: Partial<Pick<LaunchTemplateRow, 'default_version' | 'latest_version'>>): void {
    const keys = Object.keys(f);
    if (keys.length) this.db.prepare(`UPDATE launch_templates SET ${keys.map((k) => `${k}=@${k}`).join(', ')} WHERE id=@id`).run({ ...f, id });
  }
  delete(id: string): void {
    this.db.prepare('DELETE FROM launch_template_versions WHERE template_id=?').run(id);
    this.db.prepare('DELETE FROM launch_templates WHERE id=?').run(id);
  }
  insertVersion(v: LaunchTemplateVersionRow): void {
    this.db.prepare('INSERT INTO launch_template_versions VALUES (@template_id,@version,@description,@data,@created_at)').run(v);
  }
  version(id: string, version: number): LaunchTemplateVersionRow | undefined {
    return this.db.prepare('SELECT * FROM launch_template_versions WHERE template_id=? AND version=?').get(id, version) as LaunchTemplateVersionRow | undefined;
  }
  versions(id: string): LaunchTemplateVersionRow[] {
    return this.db.prepare('SELECT * FROM launch_template_versions WHERE template_id=? ORDER BY version').all(id) as LaunchTemplateVersionRow[];
  }
  deleteVersion(id: string, version: number): void {
    this.db.prepare('DELETE FROM launch_template_versions WHERE template_id=? AND version=?').run(id, version);
  }
}

const NAME_RE = /^[a-zA-Z0-9().\-/_]{3,128}$/;

function checkName(name: string | undefined): string {
  if (!name) throw new MissingParameter('The request must contain the parameter launchTemplateName');
  if (!NAME_RE.test(name)) throw new InvalidLaunchTemplateNameMalformed('A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.');
  return name;
}

export interface TemplateRef { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string }

/** Finds a template by id or name (exactly one of them), in the caller's scope. */
export function findTemplate(st: LaunchTemplateStore, s: Scope, ref: { LaunchTemplateId?: string; LaunchTemplateName?: string }): LaunchTemplateRow {
  if (ref.LaunchTemplateId && ref.LaunchTemplateName) throw new InvalidParameterCombination('Specify either the launch template ID or the launch template name, but not both.');
  if (ref.LaunchTemplateId) {
    if (!/^lt-[0-9a-f]{17}$/.test(ref.LaunchTemplateId)) throw new InvalidLaunchTemplateIdMalformed(`The specified ID for the launch template is not valid. Launch template IDs begin with 'lt-' followed by 17 characters: ${ref.LaunchTemplateId}`);
    const t = st.byId(ref.LaunchTemplateId);
    if (!t || t.account !== s.account || t.region !== s.region) throw new InvalidLaunchTemplateIdNotFound(`The specified launch template, with template ID ${ref.LaunchTemplateId}, does not exist.`);
    return t;
  }
  if (ref.LaunchTemplateName) {
    const t = st.byName(s, ref.LaunchTemplateName);
    if (!t) throw new InvalidLaunchTemplateNameNotFound(`The specified launch template, with template name ${ref.LaunchTemplateName}, does not exist.`);
    return t;
  }
  throw new MissingParameter('The request must contain the parameter launchTemplateName or launchTemplateId');
}

/** '$Latest', '$Default', a number, or nothing (= default) → the version number. */
export function versionNumber(t: LaunchTemplateRow, v: string | undefined): number {
  if (v === undefined || v === '' || v === '$Default') return t.default_version;
  if (v === '$Latest') return t.latest_version;
  if (!/^\d+$/.test(v)) throw new InvalidParameterValue(`Invalid launch template version: '${v}'. Specify a version number, $Latest or $Default.`);
  return Number(v);
}

/** Resolves a template reference to its stored data (what RunInstances and Auto Scaling launch from). */
export function resolveTemplate(st: LaunchTemplateStore, s: Scope, ref: TemplateRef): { template: LaunchTemplateRow; version: number; data: LaunchTemplateData } {
  const template = findTemplate(st, s, ref);
  const version = versionNumber(template, ref.Version);
  const row = st.version(template.id, version);
  if (!row) throw new InvalidLaunchTemplateIdVersionNotFound(`Could not find launch template version ${ref.Version ?? version} for launch template ID ${template.id}`);
  return { template, version, data: JSON.parse(row.data) as LaunchTemplateData };
}

/** Template data under the request: the request wins field by field; tags of both apply (the request's win per key). */
export function mergeLaunchTemplate(data: LaunchTemplateData, input: RunInstancesInput): RunInstancesInput {
  const nic = data.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0);
  const tags: TagSpecification[] = [];
  for (const spec of [...(data.TagSpecifications ?? []), ...(input.TagSpecifications ?? [])]) {
    const type = spec.ResourceType ?? 'instance';
    let into = tags.find((t) => t.ResourceType === type);
    if (!into) tags.push((into = { ResourceType: type, Tags: [] }));
    for (const tag of spec.Tags ?? []) {
      into.Tags = [...(into.Tags ?? []).filter((x) => x.Key !== tag.Key), tag];
    }
  }
  const requestGroups = input.SecurityGroupIds?.length || input.SecurityGroups?.length;
  return {
    ...input,
    ImageId: input.ImageId ?? data.ImageId,
    InstanceType: input.InstanceType ?? data.InstanceType,
    KeyName: input.KeyName ?? data.KeyName,
    UserData: input.UserData ?? data.UserData,
    SecurityGroupIds: requestGroups ? input.SecurityGroupIds : (data.SecurityGroupIds ?? nic?.Groups),
    SecurityGroups: requestGroups ? input.SecurityGroups : data.SecurityGroups,
    SubnetId: input.SubnetId ?? (input.Placement?.AvailabilityZone ? undefined : nic?.SubnetId),
    Placement: input.Placement ?? templatePlacement(data.Placement),
    InstanceMarketOptions: input.InstanceMarketOptions ?? data.InstanceMarketOptions,
    DisableApiTermination: input.DisableApiTermination ?? data.DisableApiTermination,
    InstanceInitiatedShutdownBehavior: input.InstanceInitiatedShutdownBehavior ?? data.InstanceInitiatedShutdownBehavior,
    TagSpecifications: tags.length ? tags : undefined,
  };
}

function templatePlacement(p: LaunchTemplateData['Placement']): RunInstancesInput['Placement'] {
  if (!p?.AvailabilityZone && !p?.Tenancy && !p?.HostId) return undefined;
  return { AvailabilityZone: p.AvailabilityZone, Tenancy: p.Tenancy, HostId: p.HostId };
}

type Reservation = { Instances: { InstanceId: string; Tags?: { Key: string; Value: string }[] }[] };

/**
 * Wraps the RunInstances handler: a request with LaunchTemplate is merged with the template data first, and
 * the instances get AWS's aws:ec2launchtemplate:id / :version tags.
 */
export function withLaunchTemplates<H extends (input: RunInstancesInput, ctx: Scope) => unknown>(d: Ec2Deps, run: H) {
  const st = new LaunchTemplateStore(d.store.db);
  return (input: RunInstancesInput & { LaunchTemplate?: TemplateRef }, ctx: Scope) => {
    if (!input.LaunchTemplate) return run(input, ctx);
    const { template, version, data } = resolveTemplate(st, ctx, input.LaunchTemplate);
    const { LaunchTemplate: _omit, ...rest } = input;
    const res = run(mergeLaunchTemplate(data, rest), ctx) as Reservation;
    const extra = [{ Key: 'aws:ec2launchtemplate:id', Value: template.id }, { Key: 'aws:ec2launchtemplate:version', Value: String(version) }];
    d.store.tx(() => {
      for (const i of res.Instances) for (const t of extra) d.store.setTag({ ...ctx, resource_id: i.InstanceId, resource_type: 'instance', key: t.Key, value: t.Value });
    });
    for (const i of res.Instances) i.Tags = [...(i.Tags ?? []).filter((t) => !t.Key.startsWith('aws:ec2launchtemplate:')), ...extra].sort((a, b) => a.Key.localeCompare(b.Key));
    return res;
  };
}

function checkData(data: LaunchTemplateData | undefined): LaunchTemplateData {
  if (!data) throw new MissingParameter('The request must contain the parameter LaunchTemplateData');
  if (data.UserData !== undefined) {
    const clean = String(data.UserData).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new InvalidParameterValue('Invalid BASE64 encoding of user data.');
  }
  return data;
}

export function launchTemplateHandlers(d: Ec2Deps) {
  const st = new LaunchTemplateStore(d.store.db);
  const templateShape = (t: LaunchTemplateRow) => ({
    LaunchTemplateId: t.id, LaunchTemplateName: t.name, CreateTime: new Date(t.created_at), CreatedBy: `arn:aws:iam::${t.account}:root`,
    DefaultVersionNumber: t.default_version, LatestVersionNumber: t.latest_version,
    Tags: d.store.tagsOf(t.id).map((x) => ({ Key: x.key, Value: x.value })),
  });
  const versionShape = (t: LaunchTemplateRow, v: LaunchTemplateVersionRow) => ({
    LaunchTemplateId: t.id, LaunchTemplateName: t.name, VersionNumber: v.version, VersionDescription: v.description ?? undefined,
    CreateTime: new Date(v.created_at), CreatedBy: `arn:aws:iam::${t.account}:root`, DefaultVersion: v.version === t.default_version,
    LaunchTemplateData: JSON.parse(v.data),
  });
  return {
    CreateLaunchTemplate(input: { LaunchTemplateName: string; VersionDescription?: string; LaunchTemplateData: LaunchTemplateData; TagSpecifications?: TagSpecification[] }, ctx: Scope) {
      const name = checkName(input.LaunchTemplateName);
      const data = checkData(input.LaunchTemplateData);
      const t = st.tx(() => {
        if (st.byName(ctx, name)) throw new InvalidLaunchTemplateNameAlreadyExists(`Launch template name already in use.`);
        const now = d.clock.now();
        const row: LaunchTemplateRow = { id: d.ids.next('lt'), ...ctx, name, default_version: 1, latest_version: 1, created_at: now };
        st.insert(row);
        st.insertVersion({ template_id: row.id, version: 1, description: input.VersionDescription ?? null, data: JSON.stringify(data), created_at: now });
        for (const spec of input.TagSpecifications ?? []) {
          if (spec.ResourceType && spec.ResourceType !== 'launch-template') continue;
          for (const tag of spec.Tags ?? []) d.store.setTag({ ...ctx, resource_id: row.id, resource_type: 'launch-template', key: tag.Key!, value: tag.Value ?? '' });
        }
        return row;
      });
      return { LaunchTemplate: templateShape(t) };
    },
    CreateLaunchTemplateVersion(input: TemplateRef & { SourceVersion?: string; VersionDescription?: string; LaunchTemplateData: LaunchTemplateData }, ctx: Scope) {
      let data = checkData(input.LaunchTemplateData);
      const out = st.tx(() => {
        const t = findTemplate(st, ctx, input);
        if (input.SourceVersion !== undefined) {
          // AWS: the new version is the source version's data with the given fields replaced.
          const src = st.version(t.id, versionNumber(t, input.SourceVersion));
          if (!src) throw new InvalidLaunchTemplateIdVersionNotFound(`Could not find launch template version ${input.SourceVersion} for launch template ID ${t.id}`);
          data = { ...JSON.parse(src.data), ...data };
        }
        if (st.versions(t.id).length >= MAX_VERSIONS) throw new VersionLimitExceeded(`The launch template ${t.id} already has ${MAX_VERSIONS} versions`);
        const version = t.latest_version + 1;
        const row = { template_id: t.id, version, description: input.VersionDescription ?? null, data: JSON.stringify(data), created_at: d.clock.now() };
        st.insertVersion(row);
        st.update(t.id, { latest_version: version });
        return versionShape({ ...t, latest_version: version }, row);
      });
      return { LaunchTemplateVersion: out };
    },
    DescribeLaunchTemplates(input: { LaunchTemplateIds?: string[]; LaunchTemplateNames?: string[]; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      let rows: LaunchTemplateRow[];
      if (input.LaunchTemplateIds?.length) rows = input.LaunchTemplateIds.map((id) => findTemplate(st, ctx, { LaunchTemplateId: id }));
      else if (input.LaunchTemplateNames?.length) {
        rows = input.LaunchTemplateNames.map((n) => st.byName(ctx, n)).filter((x): x is LaunchTemplateRow => !!x);
        if (rows.length < input.LaunchTemplateNames.length) throw new InvalidLaunchTemplateNameNotFound('At least one of the launch templates specified in the request does not exist.');
      } else rows = st.all(ctx);
      rows = applyFilters(rows, input.Filters, {
        'launch-template-name': (r) => r.name, 'create-time': (r) => new Date(r.created_at).toISOString(),
      }, (r) => d.store.tagsOf(r.id));
      const { page, next } = paginate(rows, input.MaxResults, input.NextToken, { min: 1, max: 200 });
      return { LaunchTemplates: page.map(templateShape), NextToken: next };
    },
    DescribeLaunchTemplateVersions(input: TemplateRef & { Versions?: string[]; MinVersion?: string; MaxVersion?: string; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      let pairs: [LaunchTemplateRow, LaunchTemplateVersionRow][];
      if (input.LaunchTemplateId || input.LaunchTemplateName) {
        const t = findTemplate(st, ctx, input);
        let versions = st.versions(t.id);
        if (input.Versions?.length) {
          const wanted = input.Versions.map((v) => versionNumber(t, v));
          const missing = wanted.find((n) => !versions.some((v) => v.version === n));
          if (missing !== undefined) throw new InvalidLaunchTemplateIdVersionNotFound(`Could not find launch template version ${missing} for launch template ID ${t.id}`);
          versions = versions.filter((v) => wanted.includes(v.version));
        }
        if (input.MinVersion) versions = versions.filter((v) => v.version >= versionNumber(t, input.MinVersion));
        if (input.MaxVersion) versions = versions.filter((v) => v.version <= versionNumber(t, input.MaxVersion));
        pairs = versions.map((v) => [t, v]);
      } else {
        // AWS: without a template, Versions may only be $Latest/$Default, across every template.
        const bad = (input.Versions ?? []).find((v) => v !== '$Latest' && v !== '$Default');
        if (bad) throw new InvalidParameterValue('Versions may only be $Latest or $Default when no launch template is specified');
        pairs = [];
        for (const t of st.all(ctx)) {
          const nums = input.Versions?.length ? input.Versions.map((v) => versionNumber(t, v)) : st.versions(t.id).map((v) => v.version);
          for (const n of [...new Set(nums)]) pairs.push([t, st.version(t.id, n)!]);
        }
      }
      pairs = applyFilters(pairs, input.Filters, {
        'is-default-version': ([t, v]) => String(t.default_version === v.version), 'image-id': ([, v]) => JSON.parse(v.data).ImageId,
        'instance-type': ([, v]) => JSON.parse(v.data).InstanceType, 'key-name': ([, v]) => JSON.parse(v.data).KeyName,
      });
      const { page, next } = paginate(pairs, input.MaxResults, input.NextToken, { min: 1, max: 200 });
      return { LaunchTemplateVersions: page.map(([t, v]) => versionShape(t, v)), NextToken: next };
    },
    ModifyLaunchTemplate(input: TemplateRef & { DefaultVersion?: string }, ctx: Scope) {
      const t = st.tx(() => {
        const t = findTemplate(st, ctx, input);
        if (input.DefaultVersion !== undefined) {
          const n = versionNumber(t, input.DefaultVersion);
          if (!st.version(t.id, n)) throw new InvalidLaunchTemplateIdVersionNotFound(`Could not find launch template version ${input.DefaultVersion} for launch template ID ${t.id}`);
          st.update(t.id, { default_version: n });
        }
        return st.byId(t.id)!;
      });
      return { LaunchTemplate: templateShape(t) };
    },
    DeleteLaunchTemplate(input: TemplateRef, ctx: Scope) {
      const t = findTemplate(st, ctx, input);
      st.tx(() => {
        st.delete(t.id);
        d.store.deleteTagsOf(t.id);
      });
      return { LaunchTemplate: templateShape(t) };
    },
    DeleteLaunchTemplateVersions(input: TemplateRef & { Versions: string[] }, ctx: Scope) {
      if (!input.Versions?.length) throw new MissingParameter('The request must contain the parameter LaunchTemplateVersion');
      return st.tx(() => {
        const t = findTemplate(st, ctx, input);
        const ok: object[] = [];
        const failed: object[] = [];
        for (const v of input.Versions) {
          const base = { LaunchTemplateId: t.id, LaunchTemplateName: t.name };
          const n = /^\d+$/.test(v) ? Number(v) : NaN;
          if (Number.isNaN(n)) failed.push({ ...base, ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: `The launch template version ${v} is not valid` } });
          else if (n === t.default_version) failed.push({ ...base, VersionNumber: n, ResponseError: { Code: 'launchTemplateVersionIsDefaultVersion', Message: 'Cannot delete the default version of a launch template' } });
          else if (!st.version(t.id, n)) failed.push({ ...base, VersionNumber: n, ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: `The launch template version ${n} does not exist` } });
          else {
            st.deleteVersion(t.id, n);
            ok.push({ ...base, VersionNumber: n });
          }
        }
        // AWS keeps LatestVersionNumber pointing at the highest remaining version.
        const remaining = st.versions(t.id);
        st.update(t.id, { latest_version: remaining[remaining.length - 1].version });
        return { SuccessfullyDeletedLaunchTemplateVersions: ok, UnsuccessfullyDeletedLaunchTemplateVersions: failed };
      });
    },
  };
}
