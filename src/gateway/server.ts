import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import type { IdSource } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { AwsError, InternalError, InvalidAction, MissingAction, RequestEntityTooLarge, UnknownOperationException, UnsupportedOperation } from '../core/errors.ts';
import { protocols } from '../protocol/index.ts';
import type { HttpRequest, HttpResponse, Protocol, ServiceModel } from '../protocol/types.ts';
import type { RequestContext } from './context.ts';
import { detectService } from './detect.ts';
import { accountFor } from './sigv4.ts';
import type { ServiceRegistry } from './registry.ts';

export interface GatewayOptions {
  registry: ServiceRegistry;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  defaultRegion: string;
  /** Largest request body accepted (AWS's own limits are per service and smaller). */
  maxBodyBytes?: number;
  /** Routes under /_nimbus/ (health, console). Return undefined to fall through. */
  internal?: (req: HttpRequest) => Promise<HttpResponse | undefined> | HttpResponse | undefined;
}

export async function handleRequest(req: HttpRequest, opts: GatewayOptions, signal?: AbortSignal): Promise<HttpResponse> {
  const requestId = opts.ids.requestId();
  let res: HttpResponse;
  if (req.path.startsWith('/_nimbus/') && opts.internal) {
    res = (await opts.internal(req)) ?? { status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' };
  } else {
    res = await dispatch(req, requestId, opts, signal);
  }
  res.headers['x-amzn-requestid'] = requestId;
  return res;
}

async function dispatch(req: HttpRequest, requestId: string, opts: GatewayOptions, signal?: AbortSignal): Promise<HttpResponse> {
  const found = detectService(req, opts.registry);
  const protocol: Protocol = found.protocol ?? fallbackProtocol(found.looksLike);
  const model: ServiceModel | undefined = found.service?.model;
  try {
    if (!found.service || !model) throw unknownService(found.looksLike, req);
    const op = protocol.operationName(req, model);
    if (!op) throw protocol.name === 'ec2' || protocol.name === 'query' ? new MissingAction('The request must contain the parameter Action.') : new UnknownOperationException('Unknown operation');
    if (!(op in model.operations)) throw unknownOperation(protocol, op, model);
    const input = protocol.parse(req, model, op);
    const region = found.region ?? opts.defaultRegion;
    const ctx: RequestContext = {
      requestId,
      account: accountFor(found.accessKeyId),
      region,
      accessKeyId: found.accessKeyId,
      host: req.headers['host'] ?? 'localhost:4566',
      clock: opts.clock,
      ids: opts.ids,
      log: opts.log,
      signal,
    };
    const output = await found.service.handlers[op](input, ctx);
    return protocol.serialize(model, op, output ?? {}, { requestId });
  } catch (err) {
    const awsErr = err instanceof AwsError ? err : internal(err, opts.log, requestId);
    return protocol.serializeError(model, awsErr, { requestId });
  }
}

function internal(err: unknown, log: Logger, requestId: string): AwsError {
  // Never leak a stack trace to the client; log it with the request id so it can be found.
  log.error({ err, requestId }, 'internal error');
  return new InternalError('An internal error has occurred');
}

function unknownService(looksLike: string, req: HttpRequest): AwsError {
  if (looksLike === 'json') return new UnknownOperationException(`Nimbus does not serve the target ${req.headers['x-amz-target']}`);
  if (looksLike === 'query') return new InvalidAction('Nimbus does not serve the service this request is addressed to');
  return new UnknownOperationException(`No Nimbus service matches ${req.method} ${req.path}`, { status: 404 });
}

function unknownOperation(protocol: Protocol, op: string, model: ServiceModel): AwsError {
  // AWS: an action that is not in the service's API is InvalidAction (ec2/query) or
  // UnknownOperationException (json). Here: an action that AWS has but Nimbus does not implement
  // yet says so plainly instead of pretending it doesn't exist.
  const all = (model as { _allOperations?: string[] })._allOperations;
  if (all?.includes(op)) {
    return new UnsupportedOperation(`Nimbus does not implement ${model.metadata.serviceId ?? model.metadata.endpointPrefix}:${op} yet`);
  }
  if (protocol.name === 'ec2' || protocol.name === 'query') return new InvalidAction(`The action ${op} is not valid for this web service.`);
  return new UnknownOperationException(`Unknown operation ${op}`);
}

function fallbackProtocol(looksLike: string): Protocol {
  if (looksLike === 'json') return protocols.json;
  if (looksLike === 'query') return protocols.query;
  return protocols['rest-json'];
}

/** Starts the HTTP listener. */
export function startGateway(opts: GatewayOptions & { host: string; port: number }): Promise<Server> {
  const max = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const server = createServer((req, res) => {
    void serve(req, res, opts, max);
  });
  // Slow or stuck clients must not hold sockets forever.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, opts: GatewayOptions, max: number): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > max) tooLarge = true;
    else chunks.push(c);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      req.on('end', resolve);
      req.on('error', reject);
    });
  } catch {
    res.destroy();
    return;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const httpReq: HttpRequest = {
    method: req.method ?? 'GET',
    path: safeDecodePath(q >= 0 ? url.slice(0, q) : url),
    query: q >= 0 ? url.slice(q + 1) : '',
    headers,
    body: Buffer.concat(chunks),
  };
  let out: HttpResponse;
  try {
    if (tooLarge) {
      const requestId = opts.ids.requestId();
      out = fallbackProtocol('query').serializeError(undefined, new RequestEntityTooLarge(`Request body exceeds ${max} bytes`), { requestId });
      out.headers['x-amzn-requestid'] = requestId;
    } else {
      const gone = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) gone.abort();
      });
      out = await handleRequest(httpReq, opts, gone.signal);
    }
  } catch (err) {
    opts.log.error({ err }, 'gateway failure');
    out = { status: 500, headers: { 'content-type': 'text/plain', 'x-amzn-requestid': opts.ids.requestId() }, body: 'InternalError' };
  }
  const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
  out.headers['content-length'] = String(body.length);
  res.writeHead(out.status, out.headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function safeDecodePath(p: string): string {
  // rest-json routing wants the raw (still percent-encoded) path; decoding happens per label there.
  return p;
}
