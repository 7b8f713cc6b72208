import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { RequestContext } from '../../gateway/context.ts';
import type { HttpRequest, HttpResponse } from '../../protocol/types.ts';
import type { LambdaState } from './domain.ts';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException, TooManyRequestsException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import { invokeSync } from './invoke.ts';
import { lambdaTime, type FunctionDoc, type UrlDoc } from './model.ts';

// Function URLs (AuthType NONE and AWS_IAM — the latter only checks that the request is signed). AWS serves them at
// https://<url-id>.lambda-url.<region>.on.aws/; Nimbus at http://<url-id>.lambda-url.<region>.localhost:<port>/ on its
// own listener (routed by the Host header), with the path-style fallback http://<host>:<port>/_nimbus/lambda-url/<url-id>/…
// for clients that cannot resolve *.localhost. Payload format 2.0 in, AWS's response mapping out.

type H<K extends keyof Operations> = (input: Operations[K]['input'], ctx: RequestContext) => Operations[K]['output'];

export class FunctionUrls {
  private byId = new Map<string, { fn: FunctionDoc; url: UrlDoc }>();
  private server?: Server;
  port = 0;
  host = '127.0.0.1';

  constructor(private st: LambdaState) {
    for (const f of st.functions.values()) for (const u of Object.values(f.urls)) this.byId.set(u.urlId, { fn: f, url: u });
  }

  urlOf(f: FunctionDoc, u: UrlDoc): string {
    return `http://${u.urlId}.lambda-url.${f.region}.localhost:${this.port}/`;
  }

  async listen(host: string, port: number): Promise<void> {
    this.host = host;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks)).then((out) => {
          const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
          res.writeHead(out.status, { ...out.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
  }

  private handle(req: IncomingMessage, body: Buffer): Promise<HttpResponse> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    return this.route({ method: req.method ?? 'GET', path: q >= 0 ? url.slice(0, q) : url, query: q >= 0 ? url.slice(q + 1) : '', headers, body }, req.socket.remoteAddress ?? '127.0.0.1');
  }

  /** Serves a request for a URL (by Host header or /_nimbus/lambda-url/<id>/ path). Undefined when it is not one. */
  async route(req: HttpRequest, sourceIp = '127.0.0.1'): Promise<HttpResponse> {
    let id: string | undefined;
    let path = req.path;
    const host = (req.headers.host ?? '').toLowerCase();
    const hm = /^([a-z0-9]{32})\.lambda-url\./.exec(host);
    if (hm) id = hm[1];
    else {
      const pm = /^\/_nimbus\/lambda-url\/([a-z0-9]{32})(\/.*)?$/.exec(req.path);
      if (pm) {
        id = pm[1];
        path = pm[2] ?? '/';
      }
    }
    const forbidden = { status: 403, headers: { 'content-type': 'application/json' }, body: '{"Message":"Forbidden"}' };
    const entry = id ? this.byId.get(id) : undefined;
    if (!entry) return forbidden;
    const { fn, url } = entry;
    if (url.authType === 'AWS_IAM' && !req.headers.authorization) return forbidden;
    const cors = url.cors;
    const corsHeaders: Record<string, string> = {};
    if (cors && req.headers.origin) {
      const origins = cors.AllowOrigins ?? [];
      if (origins.includes('*') || origins.includes(req.headers.origin)) {
        corsHeaders['access-control-allow-origin'] = origins.includes('*') ? '*' : req.headers.origin;
        if (cors.AllowCredentials) corsHeaders['access-control-allow-credentials'] = 'true';
        if (cors.ExposeHeaders?.length) corsHeaders['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
      }
    }
    if (cors && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      return {
        status: 200, body: '',
        headers: { ...corsHeaders, 'access-control-allow-methods': (cors.AllowMethods ?? []).join(','), 'access-control-allow-headers': (cors.AllowHeaders ?? []).join(','), ...(cors.MaxAge ? { 'access-control-max-age': String(cors.MaxAge) } : {}) },
      };
    }
    const requestId = randomUUID();
    const event = urlEvent(req, path, url.urlId, host || `${url.urlId}.lambda-url.${fn.region}.localhost`, sourceIp, requestId);
    let r;
    try {
      r = this.st.resolve(fn, fn.name, url.qualifier || undefined);
    } catch {
      return forbidden;
    }
    try {
      const out = await invokeSync(this.st, r, Buffer.from(JSON.stringify(event)), { requestId });
      if (out.functionError) return { status: 502, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, ...corsHeaders }, body: '{"Message":"Internal Server Error"}' };
      const res = mapResponse(out.payload);
      res.headers = { ...res.headers, 'x-amzn-requestid': requestId, ...corsHeaders };
      return res;
    } catch (err) {
      if (err instanceof TooManyRequestsException) return { status: 429, headers: { 'content-type': 'application/json' }, body: '{"Message":"Rate Exceeded."}' };
      return { status: 500, headers: { 'content-type': 'application/json' }, body: '{"Message":"Internal Server Error"}' };
    }
  }

  /** The gateway's internal route (mount among the /_nimbus/ routes): the path-style form on port 4566. */
  internalRoute = (req: HttpRequest): Promise<HttpResponse> | undefined => (req.path.startsWith('/_nimbus/lambda-url/') ? this.route(req) : undefined);

  handlers(): { [K in 'CreateFunctionUrlConfig' | 'GetFunctionUrlConfig' | 'UpdateFunctionUrlConfig' | 'DeleteFunctionUrlConfig']: H<K> } {
    const st = this.st;
    const target = (ctx: RequestContext, name: string, qualifier?: string) => {
      const r = st.resolve({ account: ctx.account, region: ctx.region }, name, qualifier);
      if (r.qualifier && /^\d+$/.test(r.qualifier)) throw new InvalidParameterValueException('Function URLs can only be configured on $LATEST or an alias');
      return { fn: r.fn, q: r.qualifier === '$LATEST' ? '' : r.qualifier };
    };
    const fnArn = (f: FunctionDoc, q: string) => (q ? `${f.arn}:${q}` : f.arn);
    const out = (f: FunctionDoc, u: UrlDoc) => ({
      FunctionUrl: this.urlOf(f, u), FunctionArn: fnArn(f, u.qualifier), AuthType: u.authType as 'NONE', Cors: u.cors,
      CreationTime: lambdaTime(u.createdAt), LastModifiedTime: lambdaTime(u.lastModified), InvokeMode: u.invokeMode as 'BUFFERED',
    });
    const checkAuth = (a: string) => {
      if (a !== 'NONE' && a !== 'AWS_IAM') throw new InvalidParameterValueException(`Value ${a} at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]`);
    };
    return {
      CreateFunctionUrlConfig: (input, ctx) => {
        const { fn, q } = target(ctx, input.FunctionName, input.Qualifier);
        if (fn.urls[q]) throw new ResourceConflictException(`Failed to create function url config for [functionArn = ${fnArn(fn, q)}]. Error message:  FunctionUrlConfig exists for this Lambda function`);
        checkAuth(input.AuthType);
        const t = st.d.clock.now();
        const u: UrlDoc = { urlId: randomBytes(16).toString('hex'), qualifier: q, authType: input.AuthType, invokeMode: input.InvokeMode ?? 'BUFFERED', cors: input.Cors, createdAt: t, lastModified: t };
        fn.urls[q] = u;
        st.save(fn);
        this.byId.set(u.urlId, { fn, url: u });
        const o = out(fn, u);
        return { FunctionUrl: o.FunctionUrl, FunctionArn: o.FunctionArn, AuthType: o.AuthType, Cors: o.Cors, CreationTime: o.CreationTime, InvokeMode: o.InvokeMode };
      },
      GetFunctionUrlConfig: (input, ctx) => {
        const { fn, q } = target(ctx, input.FunctionName, input.Qualifier);
        const u = fn.urls[q];
        if (!u) throw new ResourceNotFoundException('The resource you requested does not exist.');
        return out(fn, u);
      },
      UpdateFunctionUrlConfig: (input, ctx) => {
        const { fn, q } = target(ctx, input.FunctionName, input.Qualifier);
        const u = fn.urls[q];
        if (!u) throw new ResourceNotFoundException('The resource you requested does not exist.');
        if (input.AuthType) checkAuth(input.AuthType);
        const next: UrlDoc = { ...u, authType: input.AuthType ?? u.authType, cors: input.Cors ?? u.cors, invokeMode: input.InvokeMode ?? u.invokeMode, lastModified: st.d.clock.now() };
        fn.urls[q] = next;
        st.save(fn);
        this.byId.set(u.urlId, { fn, url: next });
        return out(fn, next);
      },
      DeleteFunctionUrlConfig: (input, ctx) => {
        const { fn, q } = target(ctx, input.FunctionName, input.Qualifier);
        const u = fn.urls[q];
        if (!u) throw new ResourceNotFoundException('The resource you requested does not exist.');
        delete fn.urls[q];
        st.save(fn);
        this.byId.delete(u.urlId);
      },
    };
  }

  /** A function was deleted or changed (its document object replaced): keep the index pointing at the live one. */
  refresh(): void {
    this.byId.clear();
    for (const f of this.st.functions.values()) for (const u of Object.values(f.urls)) this.byId.set(u.urlId, { fn: f, url: u });
  }

  close(): void {
    this.server?.closeAllConnections?.();
    this.server?.close();
  }
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|.*\+json|.*\+xml)/i;

/** The payload format 2.0 event a function URL sends. */
export function urlEvent(req: HttpRequest, path: string, urlId: string, domain: string, sourceIp: string, requestId: string): Record<string, unknown> {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'cookie') cookies = v.split(/;\s*/).filter(Boolean);
    else headers[k] = v;
  }
  const qs: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.query)) qs[k] = k in qs ? `${qs[k]},${v}` : v;
  const binary = req.body.length > 0 && !TEXTUAL.test(req.headers['content-type'] ?? 'text/plain');
  const now = new Date();
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const time = `${p2(now.getUTCDate())}/${months[now.getUTCMonth()]}/${now.getUTCFullYear()}:${p2(now.getUTCHours())}:${p2(now.getUTCMinutes())}:${p2(now.getUTCSeconds())} +0000`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: req.query,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(qs).length ? { queryStringParameters: qs } : {}),
    requestContext: {
      accountId: 'anonymous', apiId: urlId, domainName: domain, domainPrefix: urlId,
      http: { method: req.method, path, protocol: 'HTTP/1.1', sourceIp, userAgent: req.headers['user-agent'] ?? '' },
      requestId, routeKey: '$default', stage: '$default', time, timeEpoch: now.getTime(),
    },
    ...(req.body.length ? { body: binary ? req.body.toString('base64') : req.body.toString('utf8') } : {}),
    isBase64Encoded: binary,
  };
}

/** AWS's response mapping for function URLs: a {statusCode, headers, body, isBase64Encoded, cookies} object, or any other JSON value as the body. */
export function mapResponse(payload: Buffer): HttpResponse {
  const text = payload.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && 'statusCode' in v) {
    const o = v as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string> = {};
    for (const [k, x] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = String(x);
    if (!headers['content-type']) headers['content-type'] = 'application/json';
    if (o.cookies?.length) headers['set-cookie'] = o.cookies.join(', ');
    const body = o.body === undefined || o.body === null ? '' : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    return { status: Number(o.statusCode) || 200, headers, body: o.isBase64Encoded ? Buffer.from(body, 'base64') : body };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: typeof v === 'string' ? v : text };
}
