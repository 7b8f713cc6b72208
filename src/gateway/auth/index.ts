import type { CredentialStore, Principal } from '../../core/credentials.ts';
import type { HttpRequest, Protocol, ServiceModel } from '../../protocol/types.ts';
import { authError, authFamily } from './errors.ts';
import { parseAuth, timeProblem, verifySignature } from './sigv4-verify.ts';

// The gateway's authentication step: who is calling (access key → account), and — in strict mode — is the SigV4
// signature right. Permissive mode (the default) accepts any key without checking the signature, as local AWS
// emulators do; strict mode (NIMBUS_STRICT_SIGV4=1 / --strict-sigv4) rejects as AWS does.
// Time checks use the wall clock, never Nimbus's (possibly simulated) clock: clients sign with real time.

export interface AuthOptions {
  credentials: CredentialStore;
  strict: boolean;
  /** Wall-clock milliseconds (tests inject it). */
  now?: () => number;
}

export interface Caller extends Principal {
  /** False for unsigned requests (permissive mode, or the few operations AWS serves unsigned). */
  signed: boolean;
}

/**
 * Operations AWS serves without a signature: the SNS confirmation and unsubscribe links a subscriber opens
 * (SubscribeURL / UnsubscribeURL). Everything else needs one in strict mode.
 */
const UNSIGNED_OK: Record<string, Set<string>> = {
  sns: new Set(['ConfirmSubscription', 'Unsubscribe']),
};

export interface AuthTarget {
  serviceName?: string;
  protocol: Protocol;
  model?: ServiceModel;
  /** The operation, when it can be named (only needed for unsigned requests). */
  operation?: () => string | undefined;
}

const ANONYMOUS = (store: CredentialStore): Caller => ({ ...store.resolvePermissive(''), signed: false });

/** Identifies (and in strict mode verifies) the caller; throws the protocol family's AWS auth error. */
export function authenticate(req: HttpRequest, target: AuthTarget, auth: AuthOptions): Caller {
  const parsed = parseAuth(req);
  if (!auth.strict) {
    if (parsed.state === 'signed') return { ...auth.credentials.resolvePermissive(parsed.sig.accessKeyId), signed: true };
    return { ...auth.credentials.resolvePermissive(parsed.state === 'incomplete' ? parsed.accessKeyId ?? '' : ''), signed: false };
  }
  const family = authFamily(target.protocol.name, target.model);
  if (parsed.state === 'missing') {
    const op = target.serviceName && UNSIGNED_OK[target.serviceName] ? safe(target.operation) : undefined;
    if (op && UNSIGNED_OK[target.serviceName!]!.has(op)) return ANONYMOUS(auth.credentials);
    throw authError(family, 'missing');
  }
  if (parsed.state === 'incomplete') throw authError(family, 'incomplete', parsed.message);
  const { sig } = parsed;
  const principal = auth.credentials.lookup(sig.accessKeyId);
  if (!principal?.secretAccessKey) throw authError(family, 'unknownKey');
  if (sig.date !== sig.amzDate.slice(0, 8)) {
    throw authError(family, 'badSignature', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${sig.date}' != '${sig.amzDate.slice(0, 8)}', from '${sig.amzDate}'.`);
  }
  const late = timeProblem(sig, (auth.now ?? Date.now)());
  if (late) throw authError(family, 'expired', family === 'ec2' ? `Request has expired. ${late.message}` : late.message);
  const result = verifySignature(req, sig, principal.secretAccessKey);
  if (!result.ok) {
    throw authError(family, 'badSignature', result.reason === 'payload'
      ? 'The provided x-amz-content-sha256 header does not match what was computed.'
      : undefined);
  }
  return { ...principal, signed: true };
}

function safe(f: (() => string | undefined) | undefined): string | undefined {
  try {
    return f?.();
  } catch {
    return undefined;
  }
}
