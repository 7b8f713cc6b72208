import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Access keys → accounts. Three sources, first match wins:
//  1. the credentials file: {"AKIA…": {"secretAccessKey": "…", "account": "123456789012", "userName"?: "alice"}}
//     (NIMBUS_CREDENTIALS / --credentials, else <dataDir>/credentials.json when it exists); re-read when it changes.
//  2. workload credentials Nimbus hands to its own sandboxes (Lambda functions, tasks): `ASIA<account><4 chars>`, the
//     secret derived from a per-data-dir key, so they survive restarts without being stored anywhere.
//  3. permissive mode only: a 12-digit key id is the account; any other key is the default account.
// AWS: keys belong to IAM users/roles of one account. Here: a key names an account (and optionally a user name).

export const DEFAULT_ACCOUNT = '000000000000';

export interface Principal {
  accessKeyId: string;
  account: string;
  /** Secret access key, known for keys of the file and workload keys (undefined: permissive guess). */
  secretAccessKey?: string;
  /** What STS GetCallerIdentity answers. */
  arn: string;
  userId: string;
}

export interface WorkloadCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

interface FileEntry {
  secretAccessKey: string;
  account: string;
  userName?: string;
}

const ACCOUNT = /^\d{12}$/;
const WORKLOAD_KEY = /^ASIA(\d{12})[A-Z0-9]{4}$/;

/** Parses and validates a credentials file's text; throws a readable Error on anything wrong. */
export function parseCredentialsFile(text: string, where: string): Map<string, FileEntry> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected an object {"<accessKeyId>": {"secretAccessKey", "account"}}`);
  const out = new Map<string, FileEntry>();
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    const e = v as Partial<FileEntry> | null;
    if (!/^[A-Za-z0-9+/=_.-]{1,128}$/.test(key)) throw new Error(`${where}: invalid access key id '${key}'`);
    if (!e || typeof e !== 'object') throw new Error(`${where}: ${key}: expected {"secretAccessKey", "account"}`);
    if (typeof e.secretAccessKey !== 'string' || !e.secretAccessKey) throw new Error(`${where}: ${key}: secretAccessKey must be a non-empty string`);
    const account = String(e.account ?? '');
    if (!ACCOUNT.test(account)) throw new Error(`${where}: ${key}: account must be 12 digits, got '${e.account}'`);
    if (e.userName !== undefined && (typeof e.userName !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(e.userName))) throw new Error(`${where}: ${key}: invalid userName`);
    out.set(key, { secretAccessKey: e.secretAccessKey, account, userName: e.userName });
  }
  return out;
}

export class CredentialStore {
  private entries = new Map<string, FileEntry>();
  private fileStamp = '';
  private checkedAt = 0;

  /**
   * @param file credentials file (optional; missing file = no keys)
   * @param workloadSecret key that derives workload secrets (persist it to keep sandbox keys valid across restarts)
   */
  constructor(private readonly file: string | undefined, private readonly workloadSecret: Buffer) {
    this.reload(true);
  }

  /** Opens the store for a data dir: the file from config (or <dataDir>/credentials.json), the workload key in <dataDir>. */
  static open(opts: { dataDir: string; file?: string }): CredentialStore {
    const file = opts.file ?? join(opts.dataDir, 'credentials.json');
    return new CredentialStore(file, workloadKey(opts.dataDir));
  }

  get source(): string | undefined {
    return this.file && existsSync(this.file) ? this.file : undefined;
  }

  /** Number of keys in the file. */
  get size(): number {
    this.reload();
    return this.entries.size;
  }

  /** A key Nimbus knows (file or workload key), with its secret; undefined for anything else. */
  lookup(accessKeyId: string): Principal | undefined {
    this.reload();
    const e = this.entries.get(accessKeyId);
    if (e) {
      return {
        accessKeyId, account: e.account, secretAccessKey: e.secretAccessKey,
        arn: e.userName ? `arn:aws:iam::${e.account}:user/${e.userName}` : `arn:aws:iam::${e.account}:root`,
        userId: e.userName ? `AIDA${hash(accessKeyId).slice(0, 17).toUpperCase()}` : e.account,
      };
    }
    const w = WORKLOAD_KEY.exec(accessKeyId);
    if (w) {
      return {
        accessKeyId, account: w[1]!, secretAccessKey: this.workloadSecretFor(accessKeyId),
        arn: `arn:aws:sts::${w[1]}:assumed-role/nimbus-workload/${accessKeyId}`, userId: `AROA${accessKeyId.slice(4)}:${accessKeyId}`,
      };
    }
    return undefined;
  }

  /** Permissive mode: known keys map to their account, a 12-digit key id is the account, anything else the default. */
  resolvePermissive(accessKeyId: string): Principal {
    const known = this.lookup(accessKeyId);
    if (known) return known;
    const account = ACCOUNT.test(accessKeyId) ? accessKeyId : DEFAULT_ACCOUNT;
    return { accessKeyId, account, arn: `arn:aws:iam::${account}:root`, userId: accessKeyId || account };
  }

  /** Credentials for a sandbox of `account` (a Lambda function, a task): valid in strict mode, scoped to that account. */
  workloadCredentials(account: string): WorkloadCredentials {
    if (!ACCOUNT.test(account)) throw new Error(`not an account id: ${account}`);
    const accessKeyId = `ASIA${account}${hash(`${account}/tag`, this.workloadSecret).slice(0, 4).toUpperCase()}`;
    return { accessKeyId, secretAccessKey: this.workloadSecretFor(accessKeyId), sessionToken: `nimbus-${account}` };
  }

  private workloadSecretFor(accessKeyId: string): string {
    return createHmac('sha256', this.workloadSecret).update(accessKeyId).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
  }

  /** Re-reads the file when it changed (checked at most once a second). A broken file keeps the last good keys. */
  private reload(first = false): void {
    if (!this.file) return;
    const now = Date.now();
    if (!first && now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    let stamp = '';
    try {
      const st = statSync(this.file);
      stamp = `${st.mtimeMs}/${st.size}/${st.ino}`;
    } catch {
      stamp = 'missing';
    }
    if (stamp === this.fileStamp) return;
    if (stamp === 'missing') {
      this.entries = new Map();
      this.fileStamp = stamp;
      return;
    }
    try {
      this.entries = parseCredentialsFile(readFileSync(this.file, 'utf8'), this.file);
      this.fileStamp = stamp;
    } catch (err) {
      if (first) throw err; // a broken file at start-up is a configuration error: say so
    }
  }
}

function hash(s: string, key: Buffer = Buffer.from('nimbus')): string {
  return createHmac('sha256', key).update(s).digest('hex');
}

/** The data dir's workload key (created on first use, readable by root only). */
function workloadKey(dataDir: string): Buffer {
  const file = join(dataDir, 'workload-key');
  try {
    const k = readFileSync(file);
    if (k.length >= 32) return k;
  } catch {
    // first start
  }
  const k = randomBytes(32);
  try {
    writeFileSync(file, k, { mode: 0o600 });
  } catch {
    // a read-only data dir: keys are valid for this run only
  }
  return k;
}
