// Nimbus's Node.js runtime client: loads the function's handler and loops on the Lambda Runtime API
// (2018-06-01) at AWS_LAMBDA_RUNTIME_API, like the managed nodejs runtimes. Plain JavaScript (no
// TypeScript loader) so a cold start costs only Node's own start-up.
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const base = '/2018-06-01/runtime';

// The Runtime API client: one keep-alive HTTP/1.1 connection, requests written and responses parsed by hand. It is
// the per-invocation cost of every warm invoke, and node:http's client costs several times more CPU for these tiny
// exchanges. Requests may be pipelined (the response and the next GET leave in one packet); responses come back in
// order, with Content-Length or chunked bodies.
let sock;
let inbuf = Buffer.alloc(0);
const waiting = []; // { resolve, reject } per request written, oldest first

function fail(err) {
  sock = undefined;
  inbuf = Buffer.alloc(0);
  for (const w of waiting.splice(0)) w.reject(err);
}

/** One complete response from the front of inbuf, or undefined when more bytes are needed. */
function takeResponse() {
  const end = inbuf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = inbuf.toString('latin1', 0, end).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim();
  }
  let body;
  let used;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    let at = end + 4;
    for (;;) {
      const eol = inbuf.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(inbuf.toString('latin1', at, eol), 16);
      if (size === 0) {
        const trailerEnd = inbuf.indexOf('\r\n\r\n', eol);
        if (trailerEnd < 0) return undefined;
        used = trailerEnd + 4;
        break;
      }
      if (inbuf.length < eol + 2 + size + 2) return undefined;
      parts.push(inbuf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    const len = Number(headers['content-length'] ?? 0);
    if (inbuf.length < end + 4 + len) return undefined;
    body = Buffer.from(inbuf.subarray(end + 4, end + 4 + len));
    used = end + 4 + len;
  }
  inbuf = inbuf.subarray(used);
  return { status, headers, body };
}

function connection() {
  if (sock) return sock;
  const s = connect({ host, port: Number(port) });
  s.setNoDelay(true);
  s.on('data', (c) => {
    inbuf = inbuf.length ? Buffer.concat([inbuf, c]) : c;
    for (let r; waiting.length && (r = takeResponse());) {
      waiting.shift().resolve(r);
      if (/close/i.test(r.headers.connection ?? '')) s.destroy();
    }
  });
  s.on('error', (err) => sock === s && fail(err));
  s.on('close', () => sock === s && fail(new Error('Runtime API connection closed')));
  sock = s;
  return s;
}

/** Writes one request now; resolves with its response. Calls made in the same tick share a packet (cork). */
function call(method, path, body, headers = {}) {
  const s = connection();
  let head = `${method} ${base}${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (!s.writableCorked) {
    s.cork();
    process.nextTick(() => s.uncork());
  }
  if (body !== undefined) {
    const buf = Buffer.from(body);
    s.write(`${head}Content-Type: application/json\r\nContent-Length: ${buf.length}\r\n\r\n`);
    s.write(buf);
  } else {
    s.write(`${head}\r\n`);
  }
  return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

function errorBody(err) {
  const e = err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
  return JSON.stringify({ errorType: e.name || 'Error', errorMessage: e.message, trace: (e.stack || '').split('\n') });
}

let currentId;
// Managed-runtime log format: timestamp, request id, level, message.
for (const [name, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[name] = (...args) => {
    process.stdout.write(`${new Date().toISOString()}\t${currentId ?? 'undefined'}\t${level}\t${format(...args).replace(/\n/g, '\r')}\n`);
  };
}

class NimbusRuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER ?? '';
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot < 0) throw new NimbusRuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const modulePath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split('.');
  const file = ['.js', '.mjs', '.cjs'].map((ext) => resolve(root, modulePath + ext)).find((f) => existsSync(f));
  if (!file) {
    const e = new NimbusRuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${join(process.env.LAMBDA_RUNTIME_DIR ?? '', 'index.mjs')}`);
    throw e;
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err instanceof SyntaxError) throw new NimbusRuntimeError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`);
    throw err;
  }
  let fn = mod;
  for (const n of names) fn = fn?.[n] ?? (fn === mod ? mod.default?.[n] : undefined);
  if (typeof fn !== 'function') throw new NimbusRuntimeError('Runtime.HandlerNotFound', `${modulePath}.${names.join('.')} is undefined or not exported`);
  return fn;
}

function invokeHandler(handler, event, context) {
  return new Promise((res, rej) => {
    let done = false;
    const callback = (err, result) => {
      if (done) return;
      done = true;
      if (err !== undefined && err !== null) rej(err);
      else res(result);
    };
    context.done = callback;
    context.succeed = (r) => callback(null, r);
    context.fail = (e) => callback(e ?? 'handled');
    try {
      const out = handler(event, context, callback);
      if (out && typeof out.then === 'function') out.then((r) => callback(null, r), (e) => callback(e ?? new Error('rejected')));
      else if (handler.length < 3) callback(null, out);
    } catch (err) {
      callback(err);
    }
  });
}

let handler;
try {
  handler = await loadHandler();
} catch (err) {
  console.error(`${err.name}: ${err.message}`);
  await call('POST', '/init/error', errorBody(err), { 'Lambda-Runtime-Function-Error-Type': err.name });
  process.exit(1);
}

process.on('uncaughtException', async (err) => {
  console.error('Uncaught Exception', err);
  if (currentId) await call('POST', `/invocation/${currentId}/error`, errorBody(err), { 'Lambda-Runtime-Function-Error-Type': 'Runtime.UncaughtException' }).catch(() => undefined);
  process.exit(129);
});

const env = process.env;
let pendingNext;
for (;;) {
  const next = await (pendingNext ?? call('GET', '/invocation/next'));
  pendingNext = undefined;
  const h = next.headers;
  const id = h['lambda-runtime-aws-request-id'];
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  currentId = id;
  if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
    identity: h['lambda-runtime-cognito-identity'] ? JSON.parse(h['lambda-runtime-cognito-identity']) : undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  let event;
  try {
    event = JSON.parse(next.body.toString('utf8') || 'null');
  } catch {
    event = next.body.toString('utf8');
  }
  let posted;
  try {
    const result = await invokeHandler(handler, event, context);
    const body = result === undefined ? 'null' : JSON.stringify(result);
    currentId = undefined;
    posted = call('POST', `/invocation/${id}/response`, body);
  } catch (err) {
    console.error('Invoke Error', errorBody(err));
    currentId = undefined;
    posted = call('POST', `/invocation/${id}/error`, errorBody(err), { 'Lambda-Runtime-Function-Error-Type': err instanceof Error ? err.name : 'Error' });
  }
  // Pipelined: the next GET leaves in the same packet as the result (the Runtime API answers them in order).
  pendingNext = call('GET', '/invocation/next');
  await posted;
}
