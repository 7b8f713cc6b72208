import type { QueueEngine, QueueRef } from '../../engines/queue/index.ts';
import type { Handler, RequestContext } from '../../gateway/context.ts';
import { SqsError } from './errors.ts';
import { queueRef } from './queue-url.ts';

// Cross-account access (issue 8). A queue URL or ARN names its owner's account; a caller of another account may use
// the queue only where the queue's policy (the Policy attribute, which AddPermission writes) allows it, as on AWS.
// Evaluated: Allow/Deny statements whose Principal is "*" or names the caller's account (account id or any ARN of
// it) and whose Action matches (sqs:*, *, sqs:<Action>; batch actions need their single action). Statements with a
// Condition are skipped (not evaluated: they never grant). Owners are never checked against their own policy.

/** AWS: 403 AccessDenied (query code), rendered by both protocols like the other SQS errors. */
export class AccessDenied extends SqsError {
  constructor(message: string) {
    super('AccessDenied', 'AccessDenied', message, 403);
  }
}

const BATCH: Record<string, string> = { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility' };

interface Statement { Effect?: string; Principal?: unknown; Action?: unknown; Condition?: unknown }

function principals(p: unknown): string[] {
  if (p === '*') return ['*'];
  if (p && typeof p === 'object') {
    const aws = (p as { AWS?: unknown }).AWS;
    if (typeof aws === 'string') return [aws];
    if (Array.isArray(aws)) return aws.filter((x): x is string => typeof x === 'string');
  }
  return [];
}

function namesAccount(principal: string, account: string): boolean {
  return principal === '*' || principal === account || new RegExp(`^arn:aws[a-z-]*:(iam|sts)::${account}:`).test(principal);
}

function matchesAction(action: unknown, wanted: string): boolean {
  const list = typeof action === 'string' ? [action] : Array.isArray(action) ? action : [];
  return list.some((a) => typeof a === 'string' && (a === '*' || a.toLowerCase() === 'sqs:*' || a.toLowerCase() === `sqs:${wanted.toLowerCase()}`));
}

/** Whether `policy` (JSON text) lets `account` perform `action`. */
export function policyAllows(policy: string | undefined, account: string, action: string): boolean {
  if (!policy) return false;
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(policy);
  } catch {
    return false;
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  let allowed = false;
  for (const s of statements) {
    if (s.Condition !== undefined) continue;
    if (!principals(s.Principal).some((p) => namesAccount(p, account)) || !matchesAction(s.Action, action)) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

const ARN_ACCOUNT = /^arn:aws[a-z-]*:sqs:[^:]*:(\d{12}):/;

function deny(ctx: RequestContext, op: string, resource: string): AccessDenied {
  return new AccessDenied(`Access to the resource ${resource} is denied. (${ctx.caller?.arn ?? `account ${ctx.account}`} may not perform sqs:${op} on it.)`);
}

/** Throws AccessDenied when the request reaches into another account's queue without the queue policy's leave. */
export function checkQueueAccess(queues: QueueEngine, op: string, input: Record<string, unknown>, ctx: RequestContext): void {
  let ref: QueueRef | undefined;
  let shown = '';
  if (typeof input.QueueUrl === 'string' && input.QueueUrl !== '') {
    try {
      ref = queueRef(ctx, input.QueueUrl);
    } catch {
      return; // not a queue URL: the handler answers InvalidAddress
    }
    shown = input.QueueUrl;
  } else if (op === 'GetQueueUrl' && typeof input.QueueOwnerAWSAccountId === 'string' && input.QueueOwnerAWSAccountId && typeof input.QueueName === 'string') {
    ref = { account: input.QueueOwnerAWSAccountId, region: ctx.region, name: input.QueueName };
    shown = `arn:aws:sqs:${ctx.region}:${ref.account}:${ref.name}`;
  }
  if (ref && ref.account !== ctx.account) {
    let policy: string | undefined;
    try {
      policy = queues.getQueueAttributes(ref, ['Policy']).Policy;
    } catch {
      return; // no such queue: the handler answers NonExistentQueue, as for one's own queues
    }
    if (!policyAllows(policy, ctx.account, BATCH[op] ?? op)) throw deny(ctx, op, shown);
  }
  // Message move tasks address queues by ARN (and their handle carries the source ARN): owner only.
  const arns = [input.SourceArn, input.DestinationArn].filter((x): x is string => typeof x === 'string');
  if (typeof input.TaskHandle === 'string') {
    try {
      const h = JSON.parse(Buffer.from(input.TaskHandle, 'base64').toString('utf8')) as { sourceArn?: unknown };
      if (typeof h.sourceArn === 'string') arns.push(h.sourceArn);
    } catch {
      // not a handle of ours: the handler says so
    }
  }
  for (const arn of arns) {
    const m = ARN_ACCOUNT.exec(arn);
    if (m && m[1] !== ctx.account) throw deny(ctx, op, arn);
  }
}

/** Wraps every handler with checkQueueAccess. */
export function withQueueAccess<T extends Record<string, Handler>>(queues: QueueEngine, handlers: T): T {
  const out: Record<string, Handler> = {};
  for (const [op, h] of Object.entries(handlers)) {
    out[op] = (input, ctx) => {
      checkQueueAccess(queues, op, (input ?? {}) as Record<string, unknown>, ctx);
      return h(input, ctx);
    };
  }
  return out as T;
}
