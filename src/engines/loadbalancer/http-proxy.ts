import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sourceAddress } from './health.ts';
import type { Counters } from './metrics.ts';
import { redirectLocation, route, type RequestInfo } from './rules.ts';
import { chooseTargetGroup, chooseZone, type ListenerHost } from './runtime.ts';
import type { Target, TargetGroupRuntime } from './target-group.ts';
import type { ActionSpec, AlbLambdaEvent, FixedResponseSpec, RedirectSpec } from './types.ts';

// The Application Load Balancer data plane: an HTTP/1.1 reverse proxy per listener. Keep-alive connections to
// each target (one agent per target), bodies streamed both ways, X-Forwarded-For/-Proto/-Port and X-Amzn-Trace-Id
// added; 502 when the target fails, 503 when nothing can take the request, 504 when the target stays silent for
// the load balancer's idle timeout. Responses the load balancer makes itself carry `Server: awselb/2.0` like AWS.

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'upgrade'];
const TRACE_PREFIX = randomBytes(8).toString('hex');
let traceCounter = 0;

function traceId(): string {
  traceCounter = (traceCounter + 1) >>> 0;
  return `1-${Math.floor(Date.now() / 1000).toString(16)}-${TRACE_PREFIX}${traceCounter.toString(16).padStart(8, '0')}`;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Request Entity Too Large', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

function elbError(res: ServerResponse, status: number, counters: Counters): void {
  counters.elbCode(status);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const title = `${status} ${REASONS[status] ?? ''}`.trim();
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, { server: 'awselb/2.0', 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function clientIp(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return (cl !== undefined && cl !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export class HttpListener {
  readonly server: Server;

  private get from(): string | undefined {
    return sourceAddress(this.host.lb.spec.address);
  }

  constructor(private host: ListenerHost) {
    this.server = createServer({ requestTimeout: 0, keepAliveTimeout: host.lb.spec.idleTimeoutSeconds * 1000 }, (req, res) => this.handle(req, res));
    this.server.headersTimeout = 60_000;
  }

  /** The load balancer's idle timeout changed. */
  setIdleTimeout(seconds: number): void {
    this.server.keepAliveTimeout = seconds * 1000;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const { listener, lb } = this.host;
    let action: ActionSpec = listener.spec.defaultAction;
    if (listener.rules.length) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const info: RequestInfo = {
        method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1),
        host: (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, ''), headers: req.headers, sourceIp: clientIp(req),
      };
      action = route(listener.rules, action, info);
    }
    switch (action.type) {
      case 'forward':
        return this.forward(req, res, action.targetGroups);
      case 'fixed-response':
        return this.fixed(req, res, action);
      case 'redirect':
        return this.redirect(req, res, action);
    }
  }

  private fixed(req: IncomingMessage, res: ServerResponse, a: FixedResponseSpec): void {
    req.resume();
    const body = a.body ?? '';
    this.host.lb.counters.elbCode(a.statusCode);
    res.writeHead(a.statusCode, { server: 'awselb/2.0', 'content-type': a.contentType ?? 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private redirect(req: IncomingMessage, res: ServerResponse, a: RedirectSpec): void {
    req.resume();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const location = redirectLocation(a, {
      protocol: this.host.listener.spec.protocol, host: (req.headers.host ?? '').replace(/:\d+$/, ''), port: this.host.listener.spec.port,
      path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1),
    });
    this.host.lb.counters.elbCode(a.statusCode);
    const body = `<html>\r\n<head><title>${a.statusCode} Moved</title></head>\r\n<body>\r\n<center><h1>${a.statusCode} Moved</h1></center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(a.statusCode, { server: 'awselb/2.0', location, 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private forward(req: IncomingMessage, res: ServerResponse, groups: Array<{ arn: string; weight: number }>): void {
    const lb = this.host.lb;
    const arn = chooseTargetGroup(groups);
    const tg = arn ? this.host.targetGroup(arn) : undefined;
    if (!tg) return elbError(res, 503, lb.counters);
    if (tg.spec.targetType === 'lambda') return this.lambda(req, res, tg);
    const target = tg.pick(chooseZone(lb, tg));
    if (!target || !target.ip) {
      req.resume();
      return elbError(res, 503, lb.counters);
    }
    // Headers the target sees (req.headers is ours to change).
    const h = req.headers;
    for (const name of HOP_BY_HOP) if (name in h) delete h[name];
    const src = clientIp(req);
    const mode = lb.spec.xffMode;
    if (mode === 'append') h['x-forwarded-for'] = h['x-forwarded-for'] ? `${h['x-forwarded-for']}, ${src}` : src;
    else if (mode === 'remove') delete h['x-forwarded-for'];
    h['x-forwarded-proto'] = this.host.listener.spec.protocol.toLowerCase();
    h['x-forwarded-port'] = String(this.host.listener.spec.port);
    const trace = h['x-amzn-trace-id'];
    h['x-amzn-trace-id'] = typeof trace === 'string' && trace.includes('Root=') ? `Self=${traceId()};${trace}` : `Root=${traceId()}`;
    this.send(req, res, tg, target, lb.tg(tg.spec.arn), true);
  }

  private send(req: IncomingMessage, res: ServerResponse, tg: TargetGroupRuntime, target: Target, tgc: Counters, mayRetry: boolean): void {
    const lb = this.host.lb;
    const started = performance.now();
    const body = hasBody(req);
    let timedOut = false;
    let finished = false;
    const preq = request({
      host: target.ip, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: target.httpAgent(),
      // The agent keys its pooled sockets by local address too, so load balancers sharing a target keep theirs apart.
      ...(this.from ? { localAddress: this.from } : {}),
    });
    const flight = { cut: () => { preq.destroy(); res.destroy(); } };
    tg.begin(target, flight);
    const done = () => {
      if (finished) return;
      finished = true;
      tg.end(target, flight);
    };
    lb.counters.requests += 1;
    tgc.requests += 1;
    preq.setTimeout(lb.spec.idleTimeoutSeconds * 1000, () => {
      timedOut = true;
      preq.destroy();
    });
    preq.on('response', (presp) => {
      const status = presp.statusCode ?? 502;
      const rt = (performance.now() - started) / 1000;
      lb.counters.targetCode(status);
      tgc.targetCode(status);
      lb.counters.responseTime.add(rt);
      tgc.responseTime.add(rt);
      const rh = presp.headers;
      delete rh.connection;
      delete rh['keep-alive'];
      res.writeHead(status, presp.statusMessage, rh);
      presp.pipe(res);
      presp.on('error', () => res.destroy());
      presp.on('end', done);
    });
    preq.on('error', (err: NodeJS.ErrnoException) => {
      if (finished) return;
      // A keep-alive connection the target closed just as we reused it: safe to try once more without a body.
      if (mayRetry && !body && preq.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !res.headersSent) {
        done();
        lb.counters.requests -= 1;
        tgc.requests -= 1;
        return this.send(req, res, tg, target, tgc, false);
      }
      done();
      if (!res.headersSent && !timedOut) {
        lb.counters.targetConnErrors += 1;
        tgc.targetConnErrors += 1;
      }
      elbError(res, timedOut ? 504 : 502, lb.counters);
    });
    res.on('close', () => {
      if (!res.writableFinished) preq.destroy();
      done();
    });
    if (body) req.pipe(preq);
    else preq.end();
  }

  private lambda(req: IncomingMessage, res: ServerResponse, tg: TargetGroupRuntime): void {
    const lb = this.host.lb;
    const invoker = this.host.lambda();
    const target = tg.pick('');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      if (!target) return elbError(res, 503, lb.counters);
      if (size > 1024 * 1024) return elbError(res, 413, lb.counters);
      if (!invoker) return elbError(res, 502, lb.counters);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const params: Record<string, string> = {};
      if (q >= 0) for (const kv of url.slice(q + 1).split('&').filter(Boolean)) {
        const i = kv.indexOf('=');
        params[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      headers['x-forwarded-for'] = clientIp(req);
      headers['x-forwarded-proto'] = this.host.listener.spec.protocol.toLowerCase();
      headers['x-forwarded-port'] = String(this.host.listener.spec.port);
      headers['x-amzn-trace-id'] = `Root=${traceId()}`;
      const raw = Buffer.concat(chunks);
      const ct = headers['content-type'] ?? '';
      const text = !raw.length || /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded))/.test(ct);
      const event: AlbLambdaEvent = {
        requestContext: { elb: { targetGroupArn: tg.spec.arn } }, httpMethod: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q),
        queryStringParameters: params, headers, body: text ? raw.toString('utf8') : raw.toString('base64'), isBase64Encoded: !text,
      };
      const flight = { cut: () => res.destroy() };
      tg.begin(target, flight);
      lb.counters.requests += 1;
      const tgc = lb.tg(tg.spec.arn);
      tgc.requests += 1;
      const started = performance.now();
      invoker.invoke(target.id, event).then((r) => {
        const status = r.statusCode ?? 200;
        lb.counters.targetCode(status);
        tgc.targetCode(status);
        const rt = (performance.now() - started) / 1000;
        lb.counters.responseTime.add(rt);
        tgc.responseTime.add(rt);
        const out: Record<string, string | string[]> = { ...(r.headers ?? {}), ...(r.multiValueHeaders ?? {}) };
        const b = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
        out['content-length'] = String(b.length);
        res.writeHead(status, out);
        res.end(b);
      }, () => elbError(res, 502, lb.counters)).finally(() => tg.end(target, flight));
    });
  }
}
