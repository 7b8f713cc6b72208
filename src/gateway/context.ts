import type { Clock } from '../core/clock.ts';
import type { IdSource } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';

/** What every operation handler receives besides its input. */
export interface RequestContext {
  requestId: string;
  account: string;
  region: string;
  /** Access key id the client signed with ('' when unsigned). */
  accessKeyId: string;
  /** Who is calling, as STS GetCallerIdentity reports it (set by the gateway's authentication step). */
  caller?: { arn: string; userId: string };
  /** The operation being served (e.g. 'SendMessage'), for checks that depend on it (queue policies). */
  operation?: string;
  /** The Host header the client used, so URLs we hand out point back at us. */
  host: string;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  /** Aborted when the client goes away (a long poll must not take messages nobody will read). */
  signal?: AbortSignal;
}

export type Handler<I = any, O = any> = (input: I, ctx: RequestContext) => O | Promise<O>;

/** Handlers keyed by AWS operation name, typed from the generated operations interface. */
export type HandlerMap<Ops> = { [K in keyof Ops]: Ops[K] extends { input: infer I; output: infer O } ? Handler<I, O> : never };
