import { awsError } from '../../core/errors.ts';
import type { Handler, RequestContext } from '../../gateway/context.ts';
import type { LambdaState } from './domain.ts';
import { InvalidParameterValueException } from './errors.ts';

// Cross-account access (issue 8). A FunctionName (full or partial ARN) or Resource ARN may name a function of another
// account; AWS then answers 403 AccessDeniedException unless the function's resource policy (AddPermission) grants
// the caller's account that action. Evaluated here: Allow statements without a Condition whose Principal is "*" or
// the caller's account (id, root or any IAM ARN of it) and whose Action is lambda:<Action>, lambda:* or *.
// Event sources (an SQS queue ARN) must belong to the caller: their messages are the queue owner's.

export class AccessDeniedException extends awsError('AccessDeniedException', { status: 403 }) {}

/** The permission each operation needs (AWS's IAM action names differ from a few operation names). */
const ACTION: Record<string, string> = {
  Invoke: 'lambda:InvokeFunction', GetFunctionConfiguration: 'lambda:GetFunctionConfiguration', GetFunction: 'lambda:GetFunction',
};

const FUNCTION_ARN = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(\d{12}):function:/;
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[^:]*:(\d{12}):/;
const ANY_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[^:]*:(\d{12}):/;

function accountOf(raw: unknown): string | undefined {
  return typeof raw === 'string' ? FUNCTION_ARN.exec(raw)?.[1] : undefined;
}

function grants(policy: Record<string, unknown>[], account: string, action: string): boolean {
  return policy.some((s) => {
    if (s.Effect !== 'Allow' || s.Condition !== undefined) return false;
    const acts = Array.isArray(s.Action) ? s.Action : [s.Action];
    if (!acts.some((a) => a === '*' || a === 'lambda:*' || a === action)) return false;
    const p = s.Principal as unknown;
    const aws = p === '*' ? ['*'] : p && typeof p === 'object' ? ([] as unknown[]).concat((p as { AWS?: unknown }).AWS ?? []) : [];
    return aws.some((x) => x === '*' || x === account || (typeof x === 'string' && new RegExp(`^arn:aws[a-z-]*:iam::${account}:`).test(x)));
  });
}

function check(st: LambdaState, op: string, input: Record<string, unknown>, ctx: RequestContext): void {
  for (const key of ['FunctionName', 'Resource']) {
    const raw = input[key];
    const account = accountOf(raw);
    if (!account || account === ctx.account) continue;
    const action = ACTION[op] ?? `lambda:${op}`;
    let policy: Record<string, unknown>[] = [];
    try {
      policy = st.get({ account: ctx.account, region: ctx.region }, String(raw)).policy;
    } catch {
      // no such function: denied all the same (AWS does not tell other accounts what exists)
    }
    if (!grants(policy, ctx.account, action)) {
      throw new AccessDeniedException(`User: ${ctx.caller?.arn ?? `arn:aws:iam::${ctx.account}:root`} is not authorized to perform: ${action} on resource: ${String(raw)} because no resource-based policy allows the ${action} action`);
    }
  }
  const source = typeof input.EventSourceArn === 'string' ? SQS_ARN.exec(input.EventSourceArn)?.[1] : undefined;
  if (source && source !== ctx.account) {
    throw new AccessDeniedException(`The event source ${String(input.EventSourceArn)} belongs to another account: Nimbus maps only the caller's own queues.`);
  }
  // Destinations and dead-letter targets write into their owner's queue/topic/function: the caller's own only.
  const dc = input.DestinationConfig as { OnSuccess?: { Destination?: unknown }; OnFailure?: { Destination?: unknown } } | undefined;
  const dlq = input.DeadLetterConfig as { TargetArn?: unknown } | undefined;
  for (const arn of [dc?.OnSuccess?.Destination, dc?.OnFailure?.Destination, dlq?.TargetArn]) {
    const owner = typeof arn === 'string' ? ANY_ARN.exec(arn)?.[1] : undefined;
    if (owner && owner !== ctx.account) {
      throw new InvalidParameterValueException(`The destination ${String(arn)} belongs to another account: Nimbus delivers only within the function's own account.`);
    }
  }
}

/** Wraps every handler with the cross-account check. */
export function withFunctionAccess<T extends Record<string, Handler>>(st: LambdaState, handlers: T): T {
  const out: Record<string, Handler> = {};
  for (const [op, h] of Object.entries(handlers)) {
    out[op] = (input, ctx) => {
      check(st, op, (input ?? {}) as Record<string, unknown>, ctx);
      return h(input, ctx);
    };
  }
  return out as T;
}
