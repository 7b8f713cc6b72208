import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

// Debian's AWS CLI and python3-boto3 against a test Nimbus: static test keys, us-east-1, no pager, and no
// config or credentials file of the user's. The Debian paths are used because a pyenv/pip `aws` or boto3 may
// shadow them on PATH.

const run = promisify(execFile);

export const AWS_CLI = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';
/** A skip reason, or false where the CLI is installed. */
export const awsCliMissing = !existsSync(AWS_CLI) && 'Debian awscli not installed';
export const boto3Missing = !(existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/boto3')) && 'Debian python3-boto3 not installed';

/** The environment for the CLI and boto3; `over` replaces or adds variables (other keys, AWS_MAX_ATTEMPTS…). */
export function awsEnv(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...over,
  };
}

export interface AwsCliOptions {
  /** Put before every command's arguments, e.g. 'ec2'; without it the service is the first argument. */
  service?: string;
  env?: Record<string, string>;
  timeout?: number;
}

/**
 * `aws --endpoint-url <endpoint> --output json [service] …`. The endpoint may be a function, read at each call,
 * for a server started later (in before()). aws() resolves to the parsed output ({} when there is none) and
 * rejects with execFile's error (stderr, code = exit status); awsError() expects a failure and returns its
 * stderr; raw() never rejects on a non-zero exit.
 */
export function awsCli(endpoint: string | (() => string), opts: AwsCliOptions = {}) {
  const exec = (args: string[]) => run(AWS_CLI, [
    '--endpoint-url', typeof endpoint === 'function' ? endpoint() : endpoint, '--output', 'json', ...(opts.service ? [opts.service] : []), ...args,
  ], { env: awsEnv(opts.env), timeout: opts.timeout });
  const raw = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      return { code: 0, ...(await exec(args)) };
    } catch (err) {
      const e = err as { code?: unknown; stdout: string; stderr: string };
      if (typeof e.code !== 'number') throw err; // no exit status: the CLI did not run, or timed out
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  return {
    raw,
    async aws(...args: string[]): Promise<any> {
      const { stdout } = await exec(args);
      return stdout.trim() ? JSON.parse(stdout) : {};
    },
    async awsError(...args: string[]): Promise<string> {
      const r = await raw(...args);
      if (r.code === 0) throw new Error(`expected the CLI to fail: aws ${args.join(' ')}`);
      return r.stderr;
    },
  };
}

/** Runs a boto3 script as `python3 -c script endpoint ...args` (sys.argv[1] is the endpoint); resolves to its JSON output. */
export async function boto3(endpoint: string, script: string, ...args: string[]): Promise<any> {
  const { stdout } = await run(PYTHON, ['-c', script, endpoint, ...args], { env: awsEnv({ PYTHONPATH: '' }) });
  return JSON.parse(stdout);
}
