import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../core/clock.ts';
import { CredentialStore } from '../core/credentials.ts';
import type { IdSource } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { AwsError, InternalError, InvalidAction, MissingAction, UnknownOperationException, UnsupportedOperation } from '../core/errors.ts';
import { protocols } from '../protocol/index.ts';
import type { HttpRequest, HttpResponse, Protocol, ServiceModel } from '../protocol/types.ts';
import { authenticate, type AuthOptions } from './auth/index.ts';
import type { RequestContext } from './context.ts';
import { detectService } from './detect.ts';
import { bodyLimit, DEFAULT_LIMITS, inCidr, tooLarge, type GatewayLimits } from './limits.ts';
import type { ServiceRegistry } from './registry.ts';

export interface GatewayOptions {
  registry: ServiceRegistry;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  defaultRegion: string;
  /** Body, header and time limits (defaults: DEFAULT_LIMITS). */
  limits?: Partial<GatewayLimits>;
  /** Who may call (access keys → accounts) and whether signatures are verified. Default: permissive, no known keys. */
  auth?: AuthOptions;
  /**
   * Addresses of workloads (the VPC CIDR): requests from there never reach the admin routes under /_nimbus/
   * (exec into instances, health, clock, …), whichever address Nimbus listens on.
   */
  workloadCidr?: string;
  /** Routes under /_nimbus/ (health, console). Return undefined to fall through. */
  internal?: (req: HttpRequest) => Promise<HttpResponse | undefined> | HttpResponse | undefined;
}

/** Nimbus routes a workload may fetch: the public SNS signing certificate (AWS serves it publicly too). */
const PUBLIC_INTERNAL = /^\/_nimbus\/sns\/[A-Za-z0-9._-]+\.pem$/;

const permissive = new WeakMap<GatewayOptions, AuthOptions>();
function authOf(opts: GatewayOptions): AuthOptions {
  if (opts.auth) return opts.auth;
  let a = permissive.get(opts);
  if (!a) permissive.set(opts, (a = { credentials: new CredentialStore(undefined, randomBytes(32)), strict: false }));
  return a;
}

export async function handleRequest(req: HttpRequest, opts: GatewayOptions, signal?: AbortSignal, remoteAddress?: string): Promise<HttpResponse> {
  const requestId = opts.ids.requestId();
  let res: HttpResponse;
  if (req.path.startsWith('/_nimbus/') && opts.internal) {
    if (opts.workloadCidr && remoteAddress && inCidr(remoteAddress, opts.workloadCidr) && !PUBLIC_INTERNAL.test(req.path)) {
      res = { status: 403, headers: { 'content-type': 'application/json' }, body: '{"message":"Forbidden: Nimbus admin endpoints are not served to workloads"}' };
    } else {
      res = (await opts.internal(req)) ?? { status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' };
    }
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
    // Authentication comes first, as on AWS: an unsigned or badly signed request learns nothing about the API.
    const caller = authenticate(req, {
      serviceName: found.service?.name, protocol, model, operation: () => (model ? protocol.operationName(req, model) : undefined),
    }, authOf(opts));
    if (!found.service || !model) throw unknownService(found.looksLike, req);
    const op = protocol.operationName(req, model);
    if (!op) throw protocol.name === 'ec2' || protocol.name === 'query' ? new MissingAction('The request must contain the parameter Action.') : new UnknownOperationException('Unknown operation');
    if (!(op in model.operations)) throw unknownOperation(protocol, op, model);
    const input = protocol.parse(req, model, op);
    const region = found.region ?? opts.defaultRegion;
    const ctx: RequestContext = {
      requestId,
      account: caller.account,
      region,
      accessKeyId: caller.signed ? caller.accessKeyId : '',
      caller: { arn: caller.arn, userId: caller.userId },
      operation: op,
      host: req.headers['host'] ?? 'localhost:4566',
      clock: opts.clock,
      ids: opts.ids,
      log: opts.log,
      signal,
    };
    const output = await found.service.handlers[op](input, ctx);
    return protocol.serialize(model, op, output ?? {}, { requestId });
  } catch (err) {
    const awsErr = err instanceof AwsError ? err : internal(err, protocol, opts.log, requestId);
    try {
      return protocol.serializeError(model, awsErr, { requestId });
    } catch (e) {
      return protocol.serializeError(undefined, internal(e, protocol, opts.log, requestId), { requestId });
    }
  }
}

function internal(err: unknown, protocol: Protocol, log: Logger, requestId: string): AwsError {
  // Never leak a stack trace to the client; log it with the request id so it can be found.
  log.error({ err, requestId }, 'internal error');
  // AWS: EC2 says InternalError; the other protocols' common error is InternalFailure.
  return protocol.name === 'ec2' ? new InternalError('An internal error has occurred') : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { status: 500 });
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

export function fallbackProtocol(looksLike: string): Protocol {
  if (looksLike === 'json') return protocols.json;
  if (looksLike === 'query') return protocols.query;
  return protocols['rest-json'];
}

/** Starts the HTTP listener. */
export function startGateway(opts: GatewayOptions & { host: string; port: number }): Promise<Server> {
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const server = createServer({ maxHeaderSize: limits.maxHeaderBytes, requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs }, (req, res) => {
    void serve(req, res, opts, limits);
  });
  // Slow or stuck clients must not hold sockets forever: headers must arrive within headersTimeout and the whole
  // request (not the answer: SQS long polls and Lambda invokes may take minutes) within requestTimeout.
  server.maxHeadersCount = limits.maxHeadersCount;
  server.keepAliveTimeout = 65_000;
  // Idle or half-sent connections are checked every second (node's default, 30 s, would let a slow client outlive the timeouts).
  (server as unknown as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = 1000;
  server.on('clientError', (err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket) => clientError(err, socket, opts));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Requests node's HTTP parser rejects (malformed request line or headers, headers too large, a request that took
 * too long) still get an AWS-style answer with a request id before the connection closes.
 */
function clientError(err: NodeJS.ErrnoException, socket: Socket, opts: GatewayOptions): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', 'RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
      ? [408, 'Request Timeout', 'RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.']
      : [400, 'Bad Request', 'BadRequest', 'The HTTP request could not be parsed.'];
  const requestId = opts.ids.requestId();
  const body = protocols.query.serializeError(undefined, new AwsError(code, message, { status }), { requestId }).body;
  const text = String(body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(text)}\r\nx-amzn-RequestId: ${requestId}\r\nConnection: close\r\n\r\n${text}`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

async function serve(req: IncomingMessage, res: ServerResponse, opts: GatewayOptions, limits: GatewayLimits): Promise<void> {
  // An absolute-form request target (`GET http://host/path?q HTTP/1.1`, what proxies get) is read as its path.
  const url = (req.url ?? '/').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const httpReq: HttpRequest = {
    method: req.method ?? 'GET',
    path: safeDecodePath(q >= 0 ? url.slice(0, q) : url),
    query: q >= 0 ? url.slice(q + 1) : '',
    headers,
    body: Buffer.alloc(0),
  };
  const max = bodyLimit(httpReq, limits);
  const declared = Number(req.headers['content-length'] ?? 0);
  let out: HttpResponse | undefined;
  if (declared > max) {
    // Refused before reading: a client announcing a huge body is not made to send it.
    out = tooLarge(httpReq, opts.registry, max, opts.ids.requestId());
  } else {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    try {
      await new Promise<void>((resolve, reject) => {
        req.on('data', (c: Buffer) => {
          if (over) return;
          size += c.length;
          if (size <= max) chunks.push(c);
          else {
            // Stop reading: the answer is sent at once and the connection closed after it.
            over = true;
            chunks.length = 0;
            req.pause();
            resolve();
          }
        });
        req.on('end', resolve);
        req.on('error', reject);
        req.on('close', () => (req.complete || over ? resolve() : reject(new Error('client went away'))));
      });
    } catch {
      res.destroy();
      return;
    }
    if (over) out = tooLarge(httpReq, opts.registry, max, opts.ids.requestId());
    else httpReq.body = Buffer.concat(chunks);
  }
  if (out) {
    // The rest of the body is not read: answer, then close the connection.
    res.shouldKeepAlive = false;
    out.headers['connection'] = 'close';
  } else {
    try {
      const gone = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) gone.abort();
      });
      out = await handleRequest(httpReq, opts, gone.signal, req.socket.remoteAddress);
    } catch (err) {
      opts.log.error({ err }, 'gateway failure');
      const requestId = opts.ids.requestId();
      out = protocols.query.serializeError(undefined, new InternalError('An internal error has occurred'), { requestId });
      out.headers['x-amzn-requestid'] = requestId;
    }
  }
  if (res.destroyed) return;
  const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
  out.headers['content-length'] = String(body.length);
  res.writeHead(out.status, out.headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  if (out.headers['connection'] === 'close') res.once('finish', () => req.socket.destroySoon?.());
}

function safeDecodePath(p: string): string {
  // rest-json routing wants the raw (still percent-encoded) path; decoding happens per label there.
  return p;
}
