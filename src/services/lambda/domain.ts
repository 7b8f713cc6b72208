import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import type { FunctionEngine } from '../../engines/functions/engine.ts';
import type { FunctionSpec } from '../../engines/functions/types.ts';
import { extractZip, readZip, ZipError } from '../../engines/functions/zip.ts';
import { InvalidParameterValueException, ResourceNotFoundException, ValidationException } from './errors.ts';
import type { FunctionCode } from './generated/shapes.ts';
import type { AliasDoc, FunctionDoc, VersionDoc } from './model.ts';
import type { LambdaStore } from './store.ts';

// Lambda's state in memory (loaded from SQLite at start, written through on every change), name and qualifier
// resolution, and code handling (zip upload → extracted directory; S3Bucket=__local__ → a directory on the host).

export const SUPPORTED_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14', 'provided', 'provided.al2', 'provided.al2023'];
const DEPRECATED = ['nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'ruby2.5', 'ruby2.7', 'go1.x', 'java8', 'nodejs4.3-edge'];
export const LOCAL_CODE_BUCKET = '__local__';
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;

export interface Scope {
  account: string;
  region: string;
}

export interface Resolved {
  fn: FunctionDoc;
  v: VersionDoc;
  /** The qualifier the caller used ('' when none). */
  qualifier: string;
  alias?: AliasDoc;
}

export interface LambdaDeps {
  store: LambdaStore;
  engine: FunctionEngine;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  dataDir: string;
}

export class LambdaState {
  readonly functions = new Map<string, FunctionDoc>();
  constructor(readonly d: LambdaDeps) {
    for (const f of d.store.functions()) {
      this.functions.set(key(f), f);
      if (f.reserved !== undefined) d.engine.setReserved(f, f.reserved);
    }
  }

  list(s: Scope): FunctionDoc[] {
    return [...this.functions.values()].filter((f) => f.account === s.account && f.region === s.region).sort((a, b) => a.name.localeCompare(b.name));
  }

  arnOf(s: Scope, name: string): string {
    return `arn:aws:lambda:${s.region}:${s.account}:function:${name}`;
  }

  /** Parses a FunctionName (name, partial ARN or ARN, each optionally with :qualifier). */
  parseName(s: Scope, raw: string): { account: string; region: string; name: string; qualifier?: string } {
    let m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9$_-]+))?$/.exec(raw);
    if (m) return { region: m[1], account: m[2], name: m[3], qualifier: m[4] };
    m = /^(\d{12}):function:([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9$_-]+))?$/.exec(raw);
    if (m) return { ...s, account: m[1], name: m[2], qualifier: m[3] };
    m = /^([a-zA-Z0-9_-]{1,64})(?::([a-zA-Z0-9$_-]+))?$/.exec(raw);
    if (m) return { ...s, name: m[1], qualifier: m[2] };
    throw new ValidationException(`1 validation error detected: Value '${raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`);
  }

  /** The function, or ResourceNotFoundException as AWS words it. */
  get(s: Scope, raw: string): FunctionDoc {
    const p = this.parseName(s, raw);
    const f = this.functions.get(`${p.account}/${p.region}/${p.name}`);
    if (!f) throw new ResourceNotFoundException(`Function not found: ${this.arnOf(p, p.name)}`);
    return f;
  }

  /** Function + version for a FunctionName that may carry a qualifier, and/or a separate Qualifier. */
  resolve(s: Scope, raw: string, qualifier?: string): Resolved {
    const p = this.parseName(s, raw);
    if (p.qualifier && qualifier && p.qualifier !== qualifier) {
      throw new InvalidParameterValueException('The derived qualifier from the function name does not match the specified qualifier.');
    }
    const q = qualifier ?? p.qualifier ?? '';
    const f = this.functions.get(`${p.account}/${p.region}/${p.name}`);
    const notFound = () => new ResourceNotFoundException(`Function not found: ${this.arnOf(p, p.name)}${q ? `:${q}` : ''}`);
    if (!f) throw notFound();
    if (!q || q === '$LATEST') return { fn: f, v: f.latest, qualifier: q };
    if (/^\d+$/.test(q)) {
      const v = f.versions[q];
      if (!v) throw notFound();
      return { fn: f, v, qualifier: q };
    }
    const alias = f.aliases[q];
    if (!alias) throw notFound();
    let version = alias.functionVersion;
    if (alias.weights) {
      // Weighted alias routing: each additional version takes its share of invocations.
      let r = Math.random();
      for (const [ver, w] of Object.entries(alias.weights)) {
        if (r < w) {
          version = ver;
          break;
        }
        r -= w;
      }
    }
    const v = version === '$LATEST' ? f.latest : f.versions[version];
    if (!v) throw notFound();
    return { fn: f, v, qualifier: q, alias };
  }

  save(f: FunctionDoc): void {
    this.functions.set(key(f), f);
    this.d.store.saveFunction(f);
  }

  remove(f: FunctionDoc): void {
    this.functions.delete(key(f));
    this.d.store.deleteFunction(f);
  }

  /** What the engine runs for a resolved version. */
  specOf(r: Resolved): FunctionSpec {
    const { fn, v } = r;
    return {
      account: fn.account, region: fn.region, name: fn.name, arn: fn.arn, version: v.version,
      revision: `${v.revisionId}/${v.codeSha256}`, runtime: v.runtime, handler: v.handler ?? '', memoryMiB: v.memorySize,
      timeoutS: v.timeout, env: v.env, codeDir: v.codeDir, logGroup: v.logGroup ?? `/aws/lambda/${fn.name}`, reserved: fn.reserved,
    };
  }

  revision(): string {
    return randomUUID();
  }

  /** Turns a Code (zip upload or __local__ directory) into a code directory; throws AWS's errors on bad input. */
  storeCode(code: FunctionCode | undefined, runtime: string): Pick<VersionDoc, 'codeSha256' | 'codeSize' | 'codeDir' | 'codeKind' | 'zipFile'> {
    if (!code || (!code.ZipFile && !code.S3Bucket && !code.ImageUri)) {
      throw new InvalidParameterValueException('Please provide a source for function code.');
    }
    if (code.ImageUri) throw new InvalidParameterValueException('Nimbus runs Zip packages only: container images (ImageUri) are not supported');
    if (code.S3Bucket !== undefined) {
      if (code.S3Bucket !== LOCAL_CODE_BUCKET) {
        throw new InvalidParameterValueException(`Nimbus has no S3 yet: upload a ZipFile, or use S3Bucket="${LOCAL_CODE_BUCKET}" with S3Key set to an absolute directory on the Nimbus host`);
      }
      const dir = code.S3Key ?? '';
      if (!isAbsolute(dir) || !existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new InvalidParameterValueException(`S3Key must be an absolute path to an existing directory when S3Bucket is ${LOCAL_CODE_BUCKET} (got '${dir}')`);
      }
      const sha = createHash('sha256').update(`local:${dir}`).digest('base64');
      return { codeSha256: sha, codeSize: 0, codeDir: dir, codeKind: 'local' };
    }
    const zip = code.ZipFile!;
    if (zip.length > MAX_ZIP_BYTES) throw new InvalidParameterValueException(`Zipped file size must be smaller than ${MAX_ZIP_BYTES} bytes`);
    let entries;
    try {
      entries = readZip(zip);
    } catch (err) {
      if (err instanceof ZipError && /unzipped size/.test(err.message)) throw new InvalidParameterValueException('Unzipped size must be smaller than 262144000 bytes');
      throw new InvalidParameterValueException('Could not unzip uploaded file. Please check your file, then try to upload again.');
    }
    if (runtime.startsWith('provided') && !entries.some((e) => e.name === 'bootstrap')) {
      // AWS accepts this and fails at invoke (Runtime.InvalidEntrypoint); Nimbus does the same (see invoke).
    }
    const hex = createHash('sha256').update(zip).digest('hex');
    const sha = Buffer.from(hex, 'hex').toString('base64');
    const root = join(this.d.dataDir, 'lambda', 'code');
    const dir = join(root, hex);
    const zipFile = join(root, `${hex}.zip`);
    if (!existsSync(dir)) {
      const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
      mkdirSync(tmp, { recursive: true });
      try {
        extractZip(entries, tmp);
        writeFileSync(zipFile, zip);
        renameSync(tmp, dir);
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
    }
    return { codeSha256: sha, codeSize: zip.length, codeDir: dir, codeKind: 'zip', zipFile };
  }

  /** Removes extracted code no version of any function uses any more. */
  collectCode(): void {
    const used = new Set<string>();
    for (const f of this.functions.values()) for (const v of [f.latest, ...Object.values(f.versions)]) used.add(v.codeDir);
    const root = join(this.d.dataDir, 'lambda', 'code');
    if (!existsSync(root)) return;
    for (const name of readdirSync(root)) {
      if (name.endsWith('.zip') || name.includes('.tmp-')) continue;
      const dir = join(root, name);
      if (!used.has(dir)) {
        rmSync(dir, { recursive: true, force: true });
        rmSync(`${dir}.zip`, { force: true });
      }
    }
  }
}

export function key(f: { account: string; region: string; name: string }): string {
  return `${f.account}/${f.region}/${f.name}`;
}

/** Runtime, handler, memory and timeout checks shared by CreateFunction and UpdateFunctionConfiguration. */
export function validateConfig(c: { runtime?: string; handler?: string; memorySize?: number; timeout?: number }): void {
  const errs: string[] = [];
  if (c.memorySize !== undefined && c.memorySize < 128) errs.push(`Value '${c.memorySize}' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128`);
  if (c.memorySize !== undefined && c.memorySize > 10240) errs.push(`Value '${c.memorySize}' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240`);
  if (c.timeout !== undefined && c.timeout < 1) errs.push(`Value '${c.timeout}' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  if (errs.length) throw new ValidationException(`${errs.length} validation error${errs.length > 1 ? 's' : ''} detected: ${errs.join('; ')}`);
  if (c.timeout !== undefined && c.timeout > 900) throw new InvalidParameterValueException(`Timeout must be between 1 and 900 seconds (got ${c.timeout})`);
  if (c.runtime !== undefined) {
    if (DEPRECATED.includes(c.runtime)) {
      throw new InvalidParameterValueException(`The runtime parameter of ${c.runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`);
    }
    if (!SUPPORTED_RUNTIMES.includes(c.runtime)) {
      throw new InvalidParameterValueException(`Value ${c.runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${SUPPORTED_RUNTIMES.join(', ')}] or be a valid ARN`);
    }
  }
  if (c.handler !== undefined && (c.handler.length > 128 || !/^[^\s]+$/.test(c.handler))) {
    throw new InvalidParameterValueException(`Value '${c.handler}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+`);
  }
}
