// Trims the official botocore service models down to the operations Nimbus implements and writes
// them to models/<service>.json (committed, so CI never needs botocore).
//
//   node --import tsx scripts/trim-model.ts              # every service in SERVICES
//   node --import tsx scripts/trim-model.ts ec2 sts      # just these
//   node --import tsx scripts/trim-model.ts sqs=CreateQueue,SendMessage   # ad hoc op list
//
// Adding a service = one row in SERVICES (botocore folder + operations), then `npm run codegen`.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ServiceConfig {
  /** botocore data folder: <service>/<api version>. */
  botocore: string;
  operations: string[];
}

export const SERVICES: Record<string, ServiceConfig> = {
  ec2: {
    botocore: 'ec2/2016-11-15',
    operations: [
      'RunInstances', 'DescribeInstances', 'StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances',
      'DescribeInstanceStatus', 'GetConsoleOutput', 'ModifyInstanceAttribute', 'DescribeInstanceAttribute',
      'DescribeInstanceTypes', 'DescribeInstanceTypeOfferings', 'DescribeImages', 'CreateImage', 'DeregisterImage',
      'DescribeVpcs', 'DescribeSubnets', 'DescribeAvailabilityZones', 'DescribeRegions',
      'CreateSecurityGroup', 'DeleteSecurityGroup', 'DescribeSecurityGroups', 'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupEgress', 'DescribeSecurityGroupRules',
      'CreateKeyPair', 'ImportKeyPair', 'DescribeKeyPairs', 'DeleteKeyPair',
      'CreateVolume', 'DeleteVolume', 'AttachVolume', 'DetachVolume', 'DescribeVolumes',
      'CreateTags', 'DeleteTags', 'DescribeTags',
    ],
  },
  sts: { botocore: 'sts/2011-06-15', operations: ['GetCallerIdentity'] },
};

// Where botocore lives on the machines we regenerate on (pyenv first, then the distro package).
const BOTOCORE_ROOTS = [
  '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore',
  '/usr/lib/python3/dist-packages/botocore',
];

type Json = Record<string, any>;

function findModel(folder: string): { path: string; root: string } {
  for (const root of BOTOCORE_ROOTS) {
    for (const name of ['service-2.json.gz', 'service-2.json']) {
      const path = join(root, 'data', folder, name);
      if (existsSync(path)) return { path, root };
    }
  }
  throw new Error(`botocore model ${folder} not found under ${BOTOCORE_ROOTS.join(', ')}`);
}

function botocoreVersion(root: string): string {
  const m = /__version__\s*=\s*['"]([^'"]+)['"]/.exec(readFileSync(join(root, '__init__.py'), 'utf8'));
  return m ? m[1] : 'unknown';
}

/** Removes documentation strings everywhere (they are most of the bytes). */
function stripDocs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDocs);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'documentation' && k !== 'documentationUrl') out[k] = stripDocs(x);
    return out;
  }
  return v;
}

/** Shape names reachable from a shape (members, list member, map key/value). */
function refsOf(shape: Json): string[] {
  const out: string[] = [];
  for (const m of Object.values<Json>(shape.members ?? {})) out.push(m.shape);
  for (const k of ['member', 'key', 'value']) if (shape[k]) out.push(shape[k].shape);
  return out;
}

export function trim(full: Json, operations: string[], source: string): Json {
  const ops: Json = {};
  const queue: string[] = [];
  for (const name of operations) {
    const op = full.operations[name];
    if (!op) throw new Error(`operation ${name} is not in ${source}`);
    ops[name] = op;
    for (const r of [op.input, op.output, ...(op.errors ?? [])]) if (r) queue.push(r.shape);
  }
  const keep = new Set<string>();
  while (queue.length) {
    const name = queue.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    queue.push(...refsOf(full.shapes[name]));
  }
  const shapes: Json = {};
  for (const name of [...keep].sort()) shapes[name] = full.shapes[name];
  return stripDocs({
    version: full.version,
    metadata: full.metadata,
    operations: ops,
    shapes,
    _allOperations: Object.keys(full.operations).sort(),
    _source: source,
  }) as Json;
}

export function trimService(service: string, cfg: ServiceConfig, outDir: string): string {
  const { path, root } = findModel(cfg.botocore);
  const raw = readFileSync(path);
  const full = JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as Json;
  const source = `botocore ${botocoreVersion(root)}: data/${cfg.botocore}/service-2.json`;
  const out = join(outDir, `${service}.json`);
  writeFileSync(out, JSON.stringify(trim(full, cfg.operations, source), null, 1) + '\n');
  return out;
}

function main(args: string[]): void {
  const outDir = new URL('../models/', import.meta.url).pathname;
  const wanted = args.length ? args : Object.keys(SERVICES);
  for (const arg of wanted) {
    const [name, list] = arg.split('=');
    const cfg = SERVICES[name];
    if (!cfg && !list) throw new Error(`unknown service ${name}: add it to SERVICES in scripts/trim-model.ts`);
    const ops = list ? list.split(',').filter(Boolean) : cfg.operations;
    const file = trimService(name, { botocore: cfg?.botocore ?? guessFolder(name), operations: ops }, outDir);
    console.log(`wrote ${file} (${ops.length} operations)`);
  }
}

/** For ad hoc `svc=Op,...` runs of services not yet in SERVICES: the newest api version folder. */
function guessFolder(service: string): string {
  for (const root of BOTOCORE_ROOTS) {
    const dir = join(root, 'data', service);
    if (existsSync(dir)) {
      const versions = readdirSorted(dir);
      if (versions.length) return `${service}/${versions[versions.length - 1]}`;
    }
  }
  throw new Error(`botocore has no service ${service}`);
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
