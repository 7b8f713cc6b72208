import type { RequestContext } from '../../gateway/context.ts';
import { LambdaState, validateConfig, type Scope } from './domain.ts';
import { InvalidParameterValueException, PreconditionFailedException, ResourceConflictException, ResourceNotFoundException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import type { Environment, FunctionConfiguration } from './generated/shapes.ts';
import { aliasConfigurationOf, configurationOf, type FunctionDoc, type VersionDoc } from './model.ts';

// Functions, versions, aliases, concurrency, tags, permissions, account settings.

type H<K extends keyof Operations> = (input: Operations[K]['input'], ctx: RequestContext) => Operations[K]['output'] | Promise<Operations[K]['output']>;
type Handlers<K extends keyof Operations> = { [P in K]: H<P> };

const scope = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

const ENV_LIMIT = 4096;

function envOf(e: Environment | undefined): Record<string, string> {
  const vars = e?.Variables ?? {};
  for (const k of Object.keys(vars)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(k)) throw new InvalidParameterValueException(`Lambda was unable to configure your environment variables because the environment variables you have provided contains invalid keys: ${k}`);
    if (/^(AWS_LAMBDA_|_HANDLER$|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$|AWS_EXECUTION_ENV$|AWS_REGION$|AWS_DEFAULT_REGION$)/.test(k)) {
      throw new InvalidParameterValueException(`Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${k}`);
    }
  }
  if (JSON.stringify(vars).length > ENV_LIMIT) throw new InvalidParameterValueException(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.`);
  return { ...vars };
}

function paginate<T>(items: T[], marker: string | undefined, max: number | undefined): { page: T[]; next?: string } {
  const start = marker ? Number(marker) || 0 : 0;
  const n = Math.min(Math.max(max ?? 50, 1), 10_000);
  const page = items.slice(start, start + n);
  return { page, next: start + n < items.length ? String(start + n) : undefined };
}

function checkRevision(given: string | undefined, current: string): void {
  if (given !== undefined && given !== current) throw new PreconditionFailedException('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
}

export function functionHandlers(st: LambdaState, opts: { codeLocation: (f: FunctionDoc, v: VersionDoc, ctx: RequestContext) => string | undefined }): Handlers<
  'CreateFunction' | 'GetFunction' | 'GetFunctionConfiguration' | 'ListFunctions' | 'UpdateFunctionCode' | 'UpdateFunctionConfiguration' | 'DeleteFunction'
  | 'PublishVersion' | 'ListVersionsByFunction' | 'CreateAlias' | 'GetAlias' | 'UpdateAlias' | 'DeleteAlias' | 'ListAliases'
  | 'PutFunctionConcurrency' | 'GetFunctionConcurrency' | 'DeleteFunctionConcurrency' | 'GetAccountSettings' | 'TagResource' | 'UntagResource' | 'ListTags'
  | 'AddPermission' | 'RemovePermission' | 'GetPolicy'
> {
  const d = st.d;
  const now = () => d.clock.now();

  const publish = (f: FunctionDoc, description?: string): VersionDoc => {
    const latest = f.latest;
    // Publishing unchanged code and configuration returns the newest version instead of a new one, as AWS does.
    const newest = Object.values(f.versions).sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (newest && newest.codeSha256 === latest.codeSha256 && newest.revisionId === latest.revisionId) return newest;
    const v: VersionDoc = { ...latest, version: String(f.nextVersion), description: description ?? latest.description, lastModified: now(), revisionId: latest.revisionId };
    f.versions[v.version] = v;
    f.nextVersion += 1;
    return v;
  };

  const tagTarget = (ctx: RequestContext, resource: string): FunctionDoc => {
    const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+)$/.exec(resource);
    if (!m) {
      if (/^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+:/.test(resource)) {
        throw new InvalidParameterValueException('Tags on function aliases and versions are not supported. Please specify a function ARN.');
      }
      throw new InvalidParameterValueException(`1 validation error detected: Value '${resource}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`);
    }
    return st.get(scope(ctx), resource);
  };

  return {
    CreateFunction(input, ctx) {
      const s = scope(ctx);
      const p = st.parseName(s, input.FunctionName);
      if (p.qualifier) throw new InvalidParameterValueException('Qualifiers are not allowed in a function name for CreateFunction');
      if (input.PackageType === 'Image') throw new InvalidParameterValueException('Nimbus runs Zip packages only: PackageType Image is not supported');
      if (!input.Runtime) throw new InvalidParameterValueException('Runtime is required for .zip file packages');
      validateConfig({ runtime: input.Runtime, handler: input.Handler, memorySize: input.MemorySize, timeout: input.Timeout });
      if (!input.Handler && !input.Runtime.startsWith('provided')) throw new InvalidParameterValueException('Handler is required for .zip file packages');
      const fs = { account: p.account, region: p.region };
      if (st.functions.has(`${p.account}/${p.region}/${p.name}`)) throw new ResourceConflictException(`Function already exist: ${p.name}`);
      const env = envOf(input.Environment);
      const code = st.storeCode(input.Code, input.Runtime);
      const t = now();
      const latest: VersionDoc = {
        version: '$LATEST', runtime: input.Runtime, handler: input.Handler, role: input.Role, description: input.Description ?? '',
        timeout: input.Timeout ?? 3, memorySize: input.MemorySize ?? 128, env, ...code, lastModified: t, revisionId: st.revision(),
        deadLetterArn: input.DeadLetterConfig?.TargetArn, tracingMode: input.TracingConfig?.Mode ?? 'PassThrough',
        architectures: input.Architectures ?? ['x86_64'], ephemeralStorage: input.EphemeralStorage?.Size ?? 512,
        logGroup: input.LoggingConfig?.LogGroup, logFormat: input.LoggingConfig?.LogFormat,
      };
      const f: FunctionDoc = {
        ...fs, name: p.name, arn: st.arnOf(fs, p.name), latest, versions: {}, nextVersion: 1, aliases: {}, tags: { ...(input.Tags ?? {}) },
        policy: [], policyRevision: st.revision(), urls: {}, eventInvoke: {}, createdAt: t,
      };
      const v = input.Publish ? publish(f) : latest;
      st.save(f);
      return configurationOf(f, v);
    },

    GetFunction(input, ctx) {
      const r = st.resolve(scope(ctx), input.FunctionName, input.Qualifier);
      const location = opts.codeLocation(r.fn, r.v, ctx);
      return {
        Configuration: configurationOf(r.fn, r.v),
        Code: { RepositoryType: 'S3', Location: location },
        Tags: Object.keys(r.fn.tags).length ? r.fn.tags : undefined,
        Concurrency: r.fn.reserved !== undefined ? { ReservedConcurrentExecutions: r.fn.reserved } : undefined,
      };
    },

    GetFunctionConfiguration(input, ctx) {
      const r = st.resolve(scope(ctx), input.FunctionName, input.Qualifier);
      return configurationOf(r.fn, r.v);
    },

    ListFunctions(input, ctx) {
      const all: FunctionConfiguration[] = [];
      for (const f of st.list(scope(ctx))) {
        all.push(configurationOf(f, f.latest));
        if (input.FunctionVersion === 'ALL') for (const v of Object.values(f.versions)) all.push(configurationOf(f, v));
      }
      const { page, next } = paginate(all, input.Marker, input.MaxItems);
      return { Functions: page, NextMarker: next };
    },

    UpdateFunctionCode(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      checkRevision(input.RevisionId, f.latest.revisionId);
      const code = st.storeCode({ ZipFile: input.ZipFile, S3Bucket: input.S3Bucket, S3Key: input.S3Key, ImageUri: input.ImageUri }, f.latest.runtime);
      if (input.DryRun) return configurationOf(f, { ...f.latest, ...code });
      f.latest = { ...f.latest, ...code, lastModified: now(), revisionId: st.revision(), architectures: input.Architectures ?? f.latest.architectures };
      const v = input.Publish ? publish(f) : f.latest;
      st.save(f);
      d.engine.retire(f, '$LATEST');
      st.collectCode();
      return configurationOf(f, v);
    },

    UpdateFunctionConfiguration(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      checkRevision(input.RevisionId, f.latest.revisionId);
      validateConfig({ runtime: input.Runtime, handler: input.Handler, memorySize: input.MemorySize, timeout: input.Timeout });
      const l = f.latest;
      f.latest = {
        ...l,
        role: input.Role ?? l.role, handler: input.Handler ?? l.handler, description: input.Description ?? l.description,
        timeout: input.Timeout ?? l.timeout, memorySize: input.MemorySize ?? l.memorySize, runtime: input.Runtime ?? l.runtime,
        env: input.Environment ? envOf(input.Environment) : l.env,
        deadLetterArn: input.DeadLetterConfig ? input.DeadLetterConfig.TargetArn || undefined : l.deadLetterArn,
        tracingMode: input.TracingConfig?.Mode ?? l.tracingMode, ephemeralStorage: input.EphemeralStorage?.Size ?? l.ephemeralStorage,
        logGroup: input.LoggingConfig?.LogGroup ?? l.logGroup, logFormat: input.LoggingConfig?.LogFormat ?? l.logFormat,
        lastModified: now(), revisionId: st.revision(),
      };
      st.save(f);
      d.engine.retire(f, '$LATEST');
      return configurationOf(f, f.latest);
    },

    DeleteFunction(input, ctx) {
      const r = st.resolve(scope(ctx), input.FunctionName, input.Qualifier);
      const f = r.fn;
      if (r.qualifier && r.qualifier !== '$LATEST') {
        if (r.alias) throw new InvalidParameterValueException('Deletion of aliases is not supported by DeleteFunction: use DeleteAlias');
        const used = Object.values(f.aliases).find((a) => a.functionVersion === r.v.version || (a.weights && r.v.version in a.weights));
        if (used) throw new ResourceConflictException(`Unable to delete version because the following aliases reference it: [${used.name}]`);
        delete f.versions[r.v.version];
        st.save(f);
        d.engine.retire(f, r.v.version);
      } else {
        if (r.qualifier === '$LATEST') throw new InvalidParameterValueException('$LATEST version cannot be deleted without deleting the function.');
        st.remove(f);
        d.engine.setReserved(f, undefined);
        d.engine.retire(f);
      }
      st.collectCode();
      return { StatusCode: 204 };
    },

    PublishVersion(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      checkRevision(input.RevisionId, f.latest.revisionId);
      if (input.CodeSha256 && input.CodeSha256 !== f.latest.codeSha256) {
        throw new InvalidParameterValueException(`CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${f.latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`);
      }
      const v = publish(f, input.Description);
      st.save(f);
      return configurationOf(f, v);
    },

    ListVersionsByFunction(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      const all = [f.latest, ...Object.values(f.versions).sort((a, b) => Number(a.version) - Number(b.version))].map((v) => configurationOf(f, v));
      const { page, next } = paginate(all, input.Marker, input.MaxItems);
      return { Versions: page, NextMarker: next };
    },

    CreateAlias(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      if (/^\d+$/.test(input.Name) || input.Name === '$LATEST') throw new InvalidParameterValueException(`Alias name ${input.Name} is invalid: it must not be a version`);
      if (f.aliases[input.Name]) throw new ResourceConflictException(`Alias already exists: ${f.arn}:${input.Name}`);
      checkVersion(f, input.FunctionVersion);
      const weights = input.RoutingConfig?.AdditionalVersionWeights;
      if (weights) for (const v of Object.keys(weights)) checkVersion(f, v);
      f.aliases[input.Name] = { name: input.Name, functionVersion: input.FunctionVersion, description: input.Description ?? '', weights, revisionId: st.revision() };
      st.save(f);
      return aliasConfigurationOf(f, f.aliases[input.Name]);
    },

    GetAlias(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      const a = f.aliases[input.Name];
      if (!a) throw new ResourceNotFoundException(`Alias not found: ${f.arn}:${input.Name}`);
      return aliasConfigurationOf(f, a);
    },

    UpdateAlias(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      const a = f.aliases[input.Name];
      if (!a) throw new ResourceNotFoundException(`Alias not found: ${f.arn}:${input.Name}`);
      checkRevision(input.RevisionId, a.revisionId);
      if (input.FunctionVersion) checkVersion(f, input.FunctionVersion);
      const weights = input.RoutingConfig ? input.RoutingConfig.AdditionalVersionWeights : a.weights;
      if (weights) for (const v of Object.keys(weights)) checkVersion(f, v);
      f.aliases[input.Name] = {
        ...a, functionVersion: input.FunctionVersion ?? a.functionVersion, description: input.Description ?? a.description,
        weights: weights && Object.keys(weights).length ? weights : undefined, revisionId: st.revision(),
      };
      st.save(f);
      return aliasConfigurationOf(f, f.aliases[input.Name]);
    },

    DeleteAlias(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      delete f.aliases[input.Name];
      delete f.urls[input.Name];
      delete f.eventInvoke[input.Name];
      st.save(f);
    },

    ListAliases(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      const all = Object.values(f.aliases)
        .filter((a) => !input.FunctionVersion || a.functionVersion === input.FunctionVersion)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((a) => aliasConfigurationOf(f, a));
      const { page, next } = paginate(all, input.Marker, input.MaxItems);
      return { Aliases: page, NextMarker: next };
    },

    PutFunctionConcurrency(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      const n = input.ReservedConcurrentExecutions;
      const limit = d.engine.accountConcurrency;
      const others = d.engine.reservedTotal(f.account, f.region, `${f.account}/${f.region}/${f.name}`);
      const minimum = Math.min(100, Math.floor(limit / 10));
      if (n < 0 || others + n > limit - minimum) {
        throw new InvalidParameterValueException(`Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimum}].`);
      }
      f.reserved = n;
      st.save(f);
      d.engine.setReserved(f, n);
      return { ReservedConcurrentExecutions: n };
    },

    GetFunctionConcurrency(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      return { ReservedConcurrentExecutions: f.reserved };
    },

    DeleteFunctionConcurrency(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      f.reserved = undefined;
      st.save(f);
      d.engine.setReserved(f, undefined);
    },

    GetAccountSettings(_input, ctx) {
      const fns = st.list(scope(ctx));
      const total = fns.reduce((n, f) => n + [f.latest, ...Object.values(f.versions)].reduce((m, v) => m + v.codeSize, 0), 0);
      const limit = d.engine.accountConcurrency;
      return {
        AccountLimit: {
          TotalCodeSize: 80_530_636_800, CodeSizeUnzipped: 262_144_000, CodeSizeZipped: 52_428_800, ConcurrentExecutions: limit,
          UnreservedConcurrentExecutions: limit - d.engine.reservedTotal(ctx.account, ctx.region),
        },
        AccountUsage: { TotalCodeSize: total, FunctionCount: fns.length },
      };
    },

    TagResource(input, ctx) {
      const f = tagTarget(ctx, input.Resource);
      f.tags = { ...f.tags, ...input.Tags };
      if (Object.keys(f.tags).length > 50) throw new InvalidParameterValueException('Number of tags exceeds resource tag limit.');
      st.save(f);
    },

    UntagResource(input, ctx) {
      const f = tagTarget(ctx, input.Resource);
      for (const k of input.TagKeys) delete f.tags[k];
      st.save(f);
    },

    ListTags(input, ctx) {
      return { Tags: { ...tagTarget(ctx, input.Resource).tags } };
    },

    AddPermission(input, ctx) {
      const r = st.resolve(scope(ctx), input.FunctionName, input.Qualifier);
      const f = r.fn;
      checkRevision(input.RevisionId, f.policyRevision);
      if (f.policy.some((s) => s.Sid === input.StatementId)) throw new ResourceConflictException(`The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
      const principal = /^\d{12}$/.test(input.Principal) ? { AWS: `arn:aws:iam::${input.Principal}:root` } : input.Principal.includes('.') ? { Service: input.Principal } : { AWS: input.Principal };
      const condition: Record<string, unknown> = {};
      if (input.SourceArn) condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
      if (input.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': input.SourceAccount };
      if (input.FunctionUrlAuthType) condition.StringEquals = { ...(condition.StringEquals as object), 'lambda:FunctionUrlAuthType': input.FunctionUrlAuthType };
      const stmt = {
        Sid: input.StatementId, Effect: 'Allow', Principal: principal, Action: input.Action,
        Resource: r.qualifier ? `${f.arn}:${r.qualifier}` : f.arn, ...(Object.keys(condition).length ? { Condition: condition } : {}),
      };
      f.policy.push(stmt);
      f.policyRevision = st.revision();
      st.save(f);
      return { Statement: JSON.stringify(stmt) };
    },

    RemovePermission(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      checkRevision(input.RevisionId, f.policyRevision);
      const before = f.policy.length;
      f.policy = f.policy.filter((s) => s.Sid !== input.StatementId);
      if (f.policy.length === before) throw new ResourceNotFoundException(`Statement ${input.StatementId} is not found in resource policy.`);
      f.policyRevision = st.revision();
      st.save(f);
    },

    GetPolicy(input, ctx) {
      const f = st.get(scope(ctx), input.FunctionName);
      if (!f.policy.length) throw new ResourceNotFoundException('The resource you requested does not exist.');
      return { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: f.policy }), RevisionId: f.policyRevision };
    },
  };
}

function checkVersion(f: FunctionDoc, v: string): void {
  if (v !== '$LATEST' && !f.versions[v]) throw new ResourceNotFoundException(`Function not found: ${f.arn}:${v}`);
}
