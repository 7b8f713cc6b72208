import { withFunctionAccess } from './access.ts';
import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import type { DriverCapabilities } from '../../drivers/driver.ts';
import type { ComputeEngine } from '../../engines/compute/engine.ts';
import { FunctionEngine } from '../../engines/functions/engine.ts';
import { MemoryLogSink } from '../../engines/functions/memory-log-sink.ts';
import type { FunctionLogSink } from '../../engines/functions/types.ts';
import type { LambdaInvoker, PubSubEngine } from '../../engines/pubsub/index.ts';
import type { QueueEngine, Scheduler } from '../../engines/queue/index.ts';
import type { Handler, HandlerMap, RequestContext } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { HttpRequest, HttpResponse, ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import { LambdaState } from './domain.ts';
import { InvalidParameterValueException, ResourceNotFoundException } from './errors.ts';
import { EventSourceMappings } from './esm.ts';
import { functionHandlers } from './functions.ts';
import type { Operations } from './generated/operations.ts';
import { AsyncInvoker, invokeHandler, invokeSync } from './invoke.ts';
import type { InvokeResult } from '../../engines/functions/types.ts';
import { eventInvokeConfigOf, type EventInvokeDoc } from './model.ts';
import { LambdaStore } from './store.ts';
import { FunctionUrls } from './urls.ts';

// Lambda (rest-json, API 2015-03-31): functions really run, each execution environment a sandbox of the driver with a
// Lambda Runtime API (2018-06-01) of its own (src/engines/functions).
//
// LIMITATIONS (see README "Lambda"):
// - Zip packages only (no container images, no layers); code comes from a ZipFile upload or, Nimbus-specific, from a
//   host directory: Code.S3Bucket="__local__", Code.S3Key="/abs/dir" (hot reload: new environments see edits; warm ones
//   keep what they loaded). There is no S3 yet.
// - Runtimes: nodejs18.x–24.x (the host's node), python3.9–3.14 (the host's /usr/bin/python3, whatever its version),
//   provided/provided.al2/provided.al2023 (the function's `bootstrap`). The environment is the host's filesystem with
//   /var/task (code), /var/runtime and a private /tmp mounted (process driver); not Amazon Linux.
// - IAM is not enforced: Role is stored, resource policies (AddPermission) are stored and returned only; AWS_IAM
//   function URLs only require a signed (Authorization) request.
// - Function URLs are http://<url-id>.lambda-url.<region>.localhost:<port>/ on a listener of their own
//   (NIMBUS_LAMBDA_URL_PORT, default: any free port) or http://<nimbus>/_nimbus/lambda-url/<url-id>/…; no response streaming.
// - Event sources: SQS only. VPC configuration, tracing, SnapStart, provisioned concurrency and code signing are not
//   supported (accepted fields are stored and echoed where AWS does).
// - Throttling errors carry the reason in the message (the JSON error body has no Reason field yet).

export const lambdaModel = JSON.parse(readFileSync(new URL('../../../models/lambda.json', import.meta.url), 'utf8')) as ServiceModel;

export interface LambdaDeps {
  db: Db;
  compute: ComputeEngine;
  capabilities: DriverCapabilities;
  queues: QueueEngine;
  sns?: PubSubEngine;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  dataDir: string;
  vpcCidr: string;
  gateway: string;
  /** Where function URLs listen (default 127.0.0.1 and any free port). */
  urlHost?: string;
  urlPort?: number;
  /** Function logs; MemoryLogSink until CloudWatch Logs is connected. */
  logs?: FunctionLogSink;
  accountConcurrency?: number;
  idleMs?: number;
  /** First async retry delay (AWS ≈ 60 s, doubled for the second retry). */
  asyncRetryBaseMs?: number;
  scheduler?: Scheduler;
  /** The gateway URL as functions reach it (AWS_ENDPOINT_URL inside functions); read at each cold start. */
  endpoint?: () => string;
  /** Credentials a function of this account calls Nimbus with (default: 'test', i.e. the default account in permissive mode). */
  credentialsFor?: (account: string) => { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface LambdaService {
  service: ServiceDefinition;
  engine: FunctionEngine;
  async: AsyncInvoker;
  urls: FunctionUrls;
  logs: FunctionLogSink;
  /** For sns.engine.setLambdaInvoker(...): SNS deliveries become asynchronous invocations. */
  invoker: LambdaInvoker;
  /** /_nimbus/lambda-url/<id>/… on the gateway: add to internalRoutes' extra list. */
  internalRoutes: (req: HttpRequest) => Promise<HttpResponse> | undefined;
  /** SNS exists after Lambda in app.ts: destinations/DLQs on topics and SNS → Lambda deliveries are wired here. */
  connectSns(sns: PubSubEngine): void;
  /** Synchronous invoke by ARN for other engines (ELB lambda targets). */
  invokeArn(functionArn: string, payload: Buffer): Promise<InvokeResult>;
  functionExists(functionArn: string): boolean;
  close(): Promise<void>;
}

export async function createLambdaService(deps: LambdaDeps): Promise<LambdaService> {
  const logs = deps.logs ?? new MemoryLogSink();
  const endpointOf = deps.endpoint ?? (() => 'http://127.0.0.1:4566');
  const baseEnv: Record<string, string> = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_SESSION_TOKEN: 'nimbus' };
  // Read when an environment starts: the gateway's port is known only once it listens.
  Object.defineProperty(baseEnv, 'AWS_ENDPOINT_URL', { get: endpointOf, enumerable: true });
  const engine = new FunctionEngine({
    compute: deps.compute, capabilities: deps.capabilities, db: deps.db, clock: deps.clock, ids: deps.ids, log: deps.log, dataDir: deps.dataDir,
    logs, vpcCidr: deps.vpcCidr, gateway: deps.gateway, baseEnv, accountConcurrency: deps.accountConcurrency, idleMs: deps.idleMs,
    // Issue 8: a function acts in its own account (AWS: its execution role's), so its SDK calls are scoped to it.
    accountEnv: deps.credentialsFor && ((account: string) => {
      const c = deps.credentialsFor!(account);
      return { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken };
    }),
  });
  const store = new LambdaStore(deps.db);
  const st = new LambdaState({ store, engine, clock: deps.clock, ids: deps.ids, log: deps.log, dataDir: deps.dataDir });
  const invokeDeps = { queues: deps.queues, sns: deps.sns, log: deps.log, scheduler: deps.scheduler, retryBaseMs: deps.asyncRetryBaseMs ?? 60_000, endpoint: endpointOf };
  const async = new AsyncInvoker(st, invokeDeps);
  const urls = new FunctionUrls(st);
  await urls.listen(deps.urlHost ?? '127.0.0.1', deps.urlPort ?? 0);
  const esm = new EventSourceMappings(st, deps.queues, deps.log);

  const fnHandlers = functionHandlers(st, {
    codeLocation: (_f, v, ctx) => (v.zipFile ? `http://${ctx.host}/_nimbus/lambda/code/${Buffer.from(v.codeSha256, 'base64').toString('hex')}.zip` : undefined),
  });
  const qualifierOf = (ctx: RequestContext, name: string, q?: string) => {
    const r = st.resolve({ account: ctx.account, region: ctx.region }, name, q);
    return { fn: r.fn, q: r.qualifier || '$LATEST' };
  };
  // Issue 8: another account's function (by ARN) only as far as its resource policy allows.
  const handlers: HandlerMap<Operations> = withFunctionAccess(st, {
    ...fnHandlers,
    ...invokeHandler(st, async),
    ...urls.handlers(),
    ...esm.handlers(),
    PutFunctionEventInvokeConfig(input, ctx) {
      const { fn, q } = qualifierOf(ctx, input.FunctionName, input.Qualifier);
      if (input.MaximumRetryAttempts !== undefined && (input.MaximumRetryAttempts < 0 || input.MaximumRetryAttempts > 2)) throw new InvalidParameterValueException('MaximumRetryAttempts must be between 0 and 2');
      if (input.MaximumEventAgeInSeconds !== undefined && (input.MaximumEventAgeInSeconds < 60 || input.MaximumEventAgeInSeconds > 21_600)) throw new InvalidParameterValueException('MaximumEventAgeInSeconds must be between 60 and 21600');
      for (const dest of [input.DestinationConfig?.OnSuccess?.Destination, input.DestinationConfig?.OnFailure?.Destination]) {
        if (dest && !/^arn:aws[a-zA-Z-]*:(sqs|sns|lambda|events):/.test(dest)) throw new InvalidParameterValueException(`The destination ARN ${dest} is invalid.`);
      }
      const doc: EventInvokeDoc = { qualifier: q, maximumRetryAttempts: input.MaximumRetryAttempts, maximumEventAgeInSeconds: input.MaximumEventAgeInSeconds, destinationConfig: input.DestinationConfig, lastModified: deps.clock.now() };
      fn.eventInvoke[q] = doc;
      st.save(fn);
      return eventInvokeConfigOf(fn, doc);
    },
    GetFunctionEventInvokeConfig(input, ctx) {
      const { fn, q } = qualifierOf(ctx, input.FunctionName, input.Qualifier);
      const doc = fn.eventInvoke[q];
      if (!doc) throw new ResourceNotFoundException(`The function ${fn.arn} doesn't have an EventInvokeConfig`);
      return eventInvokeConfigOf(fn, doc);
    },
    DeleteFunctionEventInvokeConfig(input, ctx) {
      const { fn, q } = qualifierOf(ctx, input.FunctionName, input.Qualifier);
      if (!fn.eventInvoke[q]) throw new ResourceNotFoundException(`The function ${fn.arn} doesn't have an EventInvokeConfig`);
      delete fn.eventInvoke[q];
      st.save(fn);
    },
  });

  const invoker: LambdaInvoker = {
    async invoke(functionArn, event) {
      const f = functionArnParts(functionArn);
      if (!f) return { ok: false, error: `bad function ARN ${functionArn}`, retryable: false };
      try {
        st.resolve(f.scope, f.name, f.qualifier);
      } catch (err) {
        return { ok: false, error: `${(err as Error).message}: no Lambda service function by that name`, retryable: false };
      }
      async.enqueue(f.scope, f.name, f.qualifier, Buffer.from(event));
      return { ok: true };
    },
  };

  async.start();
  esm.start();
  return {
    engine, async, urls, logs, invoker,
    internalRoutes: (req) => {
      const code = /^\/_nimbus\/lambda\/code\/([0-9a-f]{64})\.zip$/.exec(req.path);
      if (code) {
        try {
          const body = readFileSync(`${deps.dataDir}/lambda/code/${code[1]}.zip`);
          return Promise.resolve({ status: 200, headers: { 'content-type': 'application/zip' }, body });
        } catch {
          return Promise.resolve({ status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' });
        }
      }
      return urls.internalRoute(req);
    },
    /** Synchronous invoke by ARN (optionally qualified), for other engines (ELB lambda targets). */
    async invokeArn(functionArn: string, payload: Buffer): Promise<InvokeResult> {
      const f = functionArnParts(functionArn);
      if (!f) throw new Error(`bad function ARN ${functionArn}`);
      return invokeSync(st, st.resolve(f.scope, f.name, f.qualifier), payload);
    },
    /** Whether an ARN names an existing function (version/alias included). */
    functionExists(functionArn: string): boolean {
      const f = functionArnParts(functionArn);
      if (!f) return false;
      try {
        st.resolve(f.scope, f.name, f.qualifier);
        return true;
      } catch {
        return false;
      }
    },
    connectSns(sns) {
      invokeDeps.sns = sns;
      sns.setLambdaInvoker(invoker);
    },
    service: {
      name: 'lambda',
      model: lambdaModel,
      protocols: [protocols['rest-json']],
      handlers: handlers as unknown as Record<string, Handler>,
      limitations: [
        'Zip packages only (ZipFile upload, or S3Bucket="__local__" + S3Key=/abs/dir for a host directory); no S3, images or layers',
        'Runtimes: nodejs18.x–24.x and python3.x on the host interpreters, provided.al2/al2023 bootstrap executables',
        'IAM and resource policies are stored, not enforced; event sources: SQS only',
        `Function URLs: http://<url-id>.lambda-url.<region>.localhost:<port>/ or /_nimbus/lambda-url/<url-id>/ on the gateway`,
      ],
    },
    async close() {
      esm.close();
      async.close();
      urls.close();
      await engine.close();
    },
  };
}

/** A full function ARN (optionally qualified) as other services hand it over (SNS, ELB, EventBridge). */
function functionArnParts(functionArn: string): { scope: { region: string; account: string }; name: string; qualifier?: string } | undefined {
  const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::(.+))?$/.exec(functionArn);
  return m ? { scope: { region: m[1]!, account: m[2]! }, name: m[3]!, qualifier: m[4] } : undefined;
}
