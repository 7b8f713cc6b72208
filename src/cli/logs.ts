import { createHash, createHmac } from 'node:crypto';
import { endpointOf, parseArgs } from './args.ts';

// `nimbus logs <group>`: prints a CloudWatch Logs group's events (Lambda functions log to /aws/lambda/<name>) through
// the public API — FilterLogEvents over JSON 1.1, SigV4-signed like any SDK — so it works against any endpoint.
//
//   nimbus logs /aws/lambda/my-fn --since 1h --filter ERROR
//   nimbus logs /aws/lambda/my-fn --follow
//
// --follow polls once a second from the newest timestamp seen (events at that timestamp are de-duplicated by
// eventId); an event that arrives late with an older timestamp than one already printed is not shown (`aws logs
// tail` behaves the same). Waits for a group that does not exist yet (a function that has not run).

export const LOGS_HELP = `nimbus logs <group> [--follow] [--since 10m] [--filter PATTERN] [--stream PREFIX] [--json] [--region R] [--endpoint URL]
  Print a log group's events, oldest first: "<time> <stream> <message>" (Lambda: /aws/lambda/<function>).
  --since   30s, 10m, 2h, 1d, 1w, an ISO date, or "all" (default 10m)
  --follow  keep printing new events until Ctrl-C        --filter  a CloudWatch Logs filter pattern
  --stream  only streams whose name starts with this      --json    one JSON object per event`;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `10m` → now - 10 minutes; an ISO date or epoch ms as given; `all` → 0. Undefined when not understood. */
export function parseSince(value: string, now: number): number | undefined {
  if (value === 'all') return 0;
  const rel = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]];
  if (/^\d{12,}$/.test(value)) return Number(value);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

interface FilteredEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

class ApiError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export interface LogsCommandOptions {
  /** Stops --follow (default: SIGINT). */
  signal?: AbortSignal;
  /** --follow poll interval (default 1000 ms). */
  pollMs?: number;
}

/** Runs `nimbus logs …`; returns the process exit code. `args` are the words after `logs`. */
export async function logsCommand(args: string[], out: (line: string) => void = (l) => console.log(l), opts: LogsCommandOptions = {}): Promise<number> {
  const { positional, flags } = parseArgs(args);
  // Boolean flags written before the group name swallow it (`--follow /aws/lambda/f`): give it back.
  for (const f of ['follow', 'json', 'help']) {
    if (typeof flags[f] === 'string') {
      positional.push(flags[f] as string);
      flags[f] = true;
    }
  }
  if (flags.help) {
    out(LOGS_HELP);
    return 0;
  }
  const group = positional[0];
  if (!group) {
    out(`usage: ${LOGS_HELP}`);
    return 2;
  }
  const endpoint = endpointOf(flags);
  const region = typeof flags.region === 'string' ? flags.region : (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1');
  const since = parseSince(typeof flags.since === 'string' ? flags.since : '10m', Date.now());
  if (since === undefined) {
    out(`nimbus: --since ${String(flags.since)} is not a duration (10m, 2h, 1d…) or a date`);
    return 2;
  }
  const filterPattern = typeof flags.filter === 'string' ? flags.filter : undefined;
  const streamPrefix = typeof flags.stream === 'string' ? flags.stream : undefined;
  const follow = flags.follow === true;

  let signal = opts.signal;
  let onSigint: (() => void) | undefined;
  if (follow && !signal) {
    const ac = new AbortController();
    onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    signal = ac.signal;
  }

  const print = (e: FilteredEvent) => {
    if (flags.json) out(JSON.stringify(e));
    else out(`${new Date(e.timestamp).toISOString()} ${e.logStreamName} ${e.message.replace(/\r?\n$/, '')}`);
  };

  let startTime = since;
  let seenAtStart = new Set<string>();
  let waitingShown = false;
  try {
    for (;;) {
      let nextToken: string | undefined;
      try {
        do {
          const page = await call<{ events?: FilteredEvent[]; nextToken?: string }>(endpoint, region, 'FilterLogEvents', {
            logGroupName: group, startTime, filterPattern, logStreamNamePrefix: streamPrefix, nextToken,
          }, signal);
          for (const e of page.events ?? []) {
            if (e.timestamp === startTime && seenAtStart.has(e.eventId)) continue;
            print(e);
            if (e.timestamp > startTime) {
              startTime = e.timestamp;
              seenAtStart = new Set();
            }
            seenAtStart.add(e.eventId);
          }
          nextToken = page.nextToken;
        } while (nextToken && !signal?.aborted);
      } catch (err) {
        if (signal?.aborted) return 0;
        if (err instanceof ApiError && err.type === 'ResourceNotFoundException' && follow) {
          if (!waitingShown) out(`(waiting for log group ${group} to be created…)`);
          waitingShown = true;
        } else if (err instanceof ApiError) {
          out(`nimbus: ${err.type}: ${err.message}`);
          return 1;
        } else {
          out(`nimbus: not running at ${endpoint}`);
          return 1;
        }
      }
      if (!follow) return 0;
      if (!(await sleep(opts.pollMs ?? 1000, signal))) return 0;
    }
  } finally {
    if (onSigint) process.off('SIGINT', onSigint);
  }
}

/** Resolves true after ms, false as soon as the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** One CloudWatch Logs JSON 1.1 call, SigV4-signed with the environment's credentials (any work with Nimbus). */
async function call<T>(endpoint: string, region: string, op: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const url = new URL(`${endpoint}/`);
  const body = JSON.stringify(input);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Logs_20140328.${op}`,
  };
  signV4(url, body, headers, region, 'logs', {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    sessionToken: process.env.AWS_SESSION_TOKEN,
  });
  const res = await fetch(url, { method: 'POST', headers, body, signal });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const type = String(json.__type ?? res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`).split('#').pop()!;
    throw new ApiError(type, String(json.message ?? json.Message ?? text));
  }
  return json as T;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** AWS Signature Version 4 for a POST without a query string; adds x-amz-date (+ token) and authorization. */
export function signV4(
  url: URL, body: string, headers: Record<string, string>, region: string, service: string,
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, now = new Date(),
): void {
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  headers['x-amz-date'] = amzDate;
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const all: Record<string, string> = { ...headers, host: url.host };
  const names = Object.keys(all).map((h) => h.toLowerCase()).sort();
  const canonical = ['POST', url.pathname || '/', '', names.map((h) => `${h}:${all[h].trim()}\n`).join(''), names.join(';'), sha256(body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date), region), service), 'aws4_request');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${createHmac('sha256', key).update(toSign, 'utf8').digest('hex')}`;
}
