import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { isRoot } from '../support/nimbus.ts';
import { createNodeFunction, json, nodeZip, payload, rejection, ROLE, startLambda, type LambdaTest } from './support.ts';

// A provided.al2023 bootstrap: a faithful hand-written Runtime API client (what aws-lambda-ric does), in Node so it
// needs nothing but the host's node. It checks every header the API must send.
const PROVIDED_BOOTSTRAP = `#!${process.execPath}
const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const call = (method, path, body, headers = {}) => new Promise((res, rej) => {
  const req = http.request({ host, port, method, path: '/2018-06-01/runtime' + path, headers }, (r) => {
    let b = ''; r.on('data', (c) => b += c); r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: b }));
  });
  req.on('error', rej); req.end(body);
});
(async () => {
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const h = next.headers;
    const id = h['lambda-runtime-aws-request-id'];
    const event = JSON.parse(next.body);
    if (event.fail) {
      await call('POST', '/invocation/' + id + '/error', JSON.stringify({ errorType: 'Custom.Failure', errorMessage: 'asked to fail' }), { 'Lambda-Runtime-Function-Error-Type': 'Custom.Failure' });
      continue;
    }
    const bad = await call('POST', '/invocation/not-a-request/response', '{}');
    await call('POST', '/invocation/' + id + '/response', JSON.stringify({
      event, id, deadline: Number(h['lambda-runtime-deadline-ms']), arn: h['lambda-runtime-invoked-function-arn'], trace: h['lambda-runtime-trace-id'],
      clientContext: h['lambda-runtime-client-context'], badStatus: bad.status, handler: process.env._HANDLER, cwd: process.cwd(), taskRoot: process.env.LAMBDA_TASK_ROOT,
    }));
  }
})();
`;

const PYTHON_HANDLER = `
import os
def handler(event, context):
    if event.get("fail"):
        raise ValueError("python says no")
    print("hello from python")
    return {"got": event, "fn": context.function_name, "rid": context.aws_request_id, "mem": context.memory_limit_in_mb, "left": context.get_remaining_time_in_millis() > 0, "region": os.environ["AWS_REGION"]}
`;

describe('Lambda execution: runtimes, errors, limits', () => {
  let t: LambdaTest;
  before(async () => {
    t = await startLambda();
  });
  after(async () => {
    await t?.close();
  });

  test('nodejs20.x: event, context, environment, warm reuse, LogType Tail, DryRun', async () => {
    await createNodeFunction(t.lambda, 'node-echo', { Environment: { Variables: { GREETING: 'hello' } }, MemorySize: 256 });
    const first = await t.lambda.send(new InvokeCommand({ FunctionName: 'node-echo', Payload: payload({ n: 1, log: 'first call' }), LogType: 'Tail' }));
    assert.equal(first.StatusCode, 200);
    assert.equal(first.FunctionError, undefined);
    assert.equal(first.ExecutedVersion, '$LATEST');
    const a = json(first.Payload);
    assert.deepEqual(a.event, { n: 1, log: 'first call' });
    assert.equal(a.fn, 'node-echo');
    assert.equal(a.memory, '256');
    assert.equal(a.arn, 'arn:aws:lambda:us-east-1:000000000000:function:node-echo');
    assert.ok(a.remaining > 0 && a.remaining <= 3000);
    assert.equal(a.env.greeting, 'hello');
    assert.equal(a.env.handler, 'index.handler');
    assert.equal(a.env.region, 'us-east-1');
    assert.equal(a.env.group, '/aws/lambda/node-echo');
    assert.match(a.env.stream, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]+$/);
    assert.match(a.env.runtimeApi, /^[\d.]+:\d+$/);
    const tail = Buffer.from(first.LogResult!, 'base64').toString('utf8');
    assert.match(tail, /START RequestId: [0-9a-f-]+ Version: \$LATEST/);
    assert.match(tail, /INFO\tfirst call/);
    assert.match(tail, /REPORT RequestId: .*Duration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB.*Init Duration/);
    const second = json((await t.lambda.send(new InvokeCommand({ FunctionName: 'node-echo', Payload: payload({ n: 2 }) }))).Payload);
    assert.equal(second.calls, 2, 'the warm environment was reused');
    assert.equal(second.started, a.started);
    const dry = await t.lambda.send(new InvokeCommand({ FunctionName: 'node-echo', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
  });

  test('nodejs22.x ESM and callback handlers; handled errors come back as FunctionError Unhandled', async () => {
    await t.lambda.send(new CreateFunctionCommand({
      FunctionName: 'esm', Runtime: 'nodejs22.x', Role: ROLE, Handler: 'app.main',
      Code: { ZipFile: writeZip({ 'app.mjs': 'export const main = async (e) => ({ esm: true, x: e.x });' }) },
    }));
    assert.deepEqual(json((await t.lambda.send(new InvokeCommand({ FunctionName: 'esm', Payload: payload({ x: 7 }) }))).Payload), { esm: true, x: 7 });
    await createNodeFunction(t.lambda, 'cb', {}, nodeZip('exports.handler = (e, ctx, cb) => setTimeout(() => cb(null, { cb: e.v }), 5);'));
    assert.deepEqual(json((await t.lambda.send(new InvokeCommand({ FunctionName: 'cb', Payload: payload({ v: 'ok' }) }))).Payload), { cb: 'ok' });
    await createNodeFunction(t.lambda, 'thrower');
    const err = await t.lambda.send(new InvokeCommand({ FunctionName: 'thrower', Payload: payload({ fail: 'out of range' }) }));
    assert.equal(err.StatusCode, 200);
    assert.equal(err.FunctionError, 'Unhandled');
    const body = json(err.Payload);
    assert.equal(body.errorType, 'RangeError');
    assert.equal(body.errorMessage, 'out of range');
    assert.ok(Array.isArray(body.trace));
    const crash = json((await t.lambda.send(new InvokeCommand({ FunctionName: 'thrower', Payload: payload({ exit: 3 }) }))).Payload);
    assert.equal(crash.errorType, 'Runtime.ExitError');
    assert.match(crash.errorMessage, /Runtime exited with error: exit status 3/);
    // A new environment serves the next call.
    assert.equal(json((await t.lambda.send(new InvokeCommand({ FunctionName: 'thrower', Payload: payload({}) }))).Payload).calls, 1);
  });

  test('python3.11 through the host python', async () => {
    await t.lambda.send(new CreateFunctionCommand({
      FunctionName: 'py', Runtime: 'python3.11', Role: ROLE, Handler: 'app.handler', MemorySize: 192, Code: { ZipFile: writeZip({ 'app.py': PYTHON_HANDLER }) },
    }));
    const out = await t.lambda.send(new InvokeCommand({ FunctionName: 'py', Payload: payload({ a: [1, 2] }), LogType: 'Tail' }));
    const v = json(out.Payload);
    assert.deepEqual(v.got, { a: [1, 2] });
    assert.equal(v.fn, 'py');
    assert.equal(v.mem, '192');
    assert.equal(v.left, true);
    assert.match(Buffer.from(out.LogResult!, 'base64').toString(), /hello from python/);
    const err = await t.lambda.send(new InvokeCommand({ FunctionName: 'py', Payload: payload({ fail: true }) }));
    assert.equal(err.FunctionError, 'Unhandled');
    assert.equal(json(err.Payload).errorType, 'ValueError');
    assert.equal(json(err.Payload).errorMessage, 'python says no');
  });

  test('provided.al2023: a bootstrap executable speaking the Runtime API by hand', async () => {
    await t.lambda.send(new CreateFunctionCommand({
      FunctionName: 'custom', Runtime: 'provided.al2023', Role: ROLE, Handler: 'my.handler', Code: { ZipFile: writeZip({ bootstrap: { data: PROVIDED_BOOTSTRAP, mode: 0o755 } }) },
    }));
    const cc = Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64');
    const out = await t.lambda.send(new InvokeCommand({ FunctionName: 'custom', Payload: payload({ hi: 1 }), ClientContext: cc }));
    const v = json(out.Payload);
    assert.deepEqual(v.event, { hi: 1 });
    assert.match(v.id, /^[0-9a-f-]{36}$/);
    assert.ok(v.deadline > Date.now() - 60_000);
    assert.equal(v.arn, 'arn:aws:lambda:us-east-1:000000000000:function:custom');
    assert.match(v.trace, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};/);
    assert.deepEqual(JSON.parse(v.clientContext), { custom: { k: 'v' } });
    assert.equal(v.badStatus, 400, 'a response for an unknown request id is refused');
    assert.equal(v.handler, 'my.handler');
    assert.equal(v.cwd, v.taskRoot);
    const err = await t.lambda.send(new InvokeCommand({ FunctionName: 'custom', Payload: payload({ fail: true }) }));
    assert.equal(err.FunctionError, 'Unhandled');
    assert.equal(json(err.Payload).errorType, 'Custom.Failure');
  });

  test('the timeout kills a runaway function', async () => {
    await createNodeFunction(t.lambda, 'slow', { Timeout: 1 });
    const out = await t.lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: payload({ sleepMs: 60_000 }), LogType: 'Tail' }));
    assert.equal(out.FunctionError, 'Unhandled');
    const body = json(out.Payload);
    assert.equal(body.errorType, 'Sandbox.Timedout');
    assert.match(body.errorMessage, /Task timed out after 1\.00 seconds/);
    assert.match(Buffer.from(out.LogResult!, 'base64').toString(), /Task timed out after 1\.00 seconds/);
    // The environment was killed: the next call is a fresh one.
    assert.equal(json((await t.lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: payload({}) }))).Payload).calls, 1);
  });

  test('a memory hog is stopped at MemorySize', { skip: !isRoot && 'memory limits need cgroups (root)' }, async () => {
    await createNodeFunction(t.lambda, 'hog', { MemorySize: 128, Timeout: 30 });
    const out = await t.lambda.send(new InvokeCommand({ FunctionName: 'hog', Payload: payload({ hog: true }) }));
    assert.equal(out.FunctionError, 'Unhandled');
    const body = json(out.Payload);
    assert.equal(body.errorType, 'Runtime.OutOfMemory');
    assert.match(body.errorMessage, /Runtime exited with error: signal: killed/);
  });

  test('reserved concurrency throttles with TooManyRequestsException', async () => {
    await createNodeFunction(t.lambda, 'one-at-a-time', { Timeout: 30 });
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'one-at-a-time', ReservedConcurrentExecutions: 1 }));
    const long = t.lambda.send(new InvokeCommand({ FunctionName: 'one-at-a-time', Payload: payload({ sleepMs: 4000 }) }));
    let throttled: Awaited<ReturnType<typeof rejection>> | undefined;
    for (let i = 0; i < 200 && !throttled; i++) {
      try {
        await t.lambda.send(new InvokeCommand({ FunctionName: 'one-at-a-time', Payload: payload({}) }));
      } catch (err) {
        throttled = err as never;
      }
    }
    assert.ok(throttled, 'a second concurrent invocation was throttled');
    assert.equal(throttled.name, 'TooManyRequestsException');
    assert.equal(throttled.$metadata?.httpStatusCode, 429);
    assert.match(throttled.message, /ReservedFunctionConcurrentInvocationLimitExceeded/);
    assert.equal((await long).FunctionError, undefined);
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'one-at-a-time', ReservedConcurrentExecutions: 0 }));
    assert.equal((await rejection(t.lambda.send(new InvokeCommand({ FunctionName: 'one-at-a-time' })))).name, 'TooManyRequestsException');
  });
});
