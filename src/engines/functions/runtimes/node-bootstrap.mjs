// Nimbus's Node.js runtime client: loads the function's handler and loops on the Lambda Runtime API
// (2018-06-01) at AWS_LAMBDA_RUNTIME_API, like the managed nodejs runtimes. Plain JavaScript (no
// TypeScript loader) so a cold start costs only Node's own start-up.
import { Agent, request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

function call(method, path, body, headers = {}) {
  return new Promise((res, rej) => {
    const req = request({ host, port, method, path: base + path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } : headers }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(body);
  });
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
for (;;) {
  const next = await call('GET', '/invocation/next');
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
  try {
    const result = await invokeHandler(handler, event, context);
    await call('POST', `/invocation/${id}/response`, result === undefined ? 'null' : JSON.stringify(result));
  } catch (err) {
    console.error('Invoke Error', errorBody(err));
    await call('POST', `/invocation/${id}/error`, errorBody(err), { 'Lambda-Runtime-Function-Error-Type': err instanceof Error ? err.name : 'Error' });
  }
  currentId = undefined;
}
