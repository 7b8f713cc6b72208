import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { json, payload, ROLE, startLambda, type LambdaTest } from './support.ts';

// The official Runtime Interface Client (npm aws-lambda-ric, what AWS's own Node images run) against
// Nimbus's Runtime API. It is an optional dependency (its native part builds with autotools, which
// scripts/bootstrap.mjs installs on Debian); without it the test says so instead of passing silently.
const RIC_DIR = join(process.cwd(), 'node_modules', 'aws-lambda-ric');
const RIC = join(RIC_DIR, 'bin', 'index.mjs');

/** The RIC packaged inside the function, as users ship it (node_modules/aws-lambda-ric in the zip). */
function ricFiles(): Record<string, { data: Buffer; mode: number }> {
  const files: Record<string, { data: Buffer; mode: number }> = {};
  for (const rel of ['package.json', 'bin/index.mjs', ...readdirSync(join(RIC_DIR, 'dist')).map((f) => `dist/${f}`)]) {
    const p = join(RIC_DIR, rel);
    files[`node_modules/aws-lambda-ric/${rel}`] = { data: readFileSync(p), mode: statSync(p).mode & 0o777 };
  }
  return files;
}
const HANDLER = `exports.handler = async (event, context) => ({ echo: event, fn: context.functionName, rid: context.awsRequestId, left: context.getRemainingTimeInMillis() > 0 });
exports.fails = async () => { throw new TypeError('ric says no'); };
`;

let t: LambdaTest;
before(async () => {
  t = await startLambda();
});
after(async () => {
  await t?.close();
});

test('aws-lambda-ric runs a handler through the Nimbus Runtime API', { skip: !existsSync(RIC) && 'aws-lambda-ric is not installed (optional dependency; needs autoconf automake libtool cmake to build)' }, async () => {
  const bootstrap = `#!/bin/sh\ncd "$LAMBDA_TASK_ROOT"\nexec ${process.execPath} "$LAMBDA_TASK_ROOT/node_modules/aws-lambda-ric/bin/index.mjs" "$_HANDLER"\n`;
  const zip = writeZip({ bootstrap: { data: bootstrap, mode: 0o755 }, 'index.js': HANDLER, ...ricFiles() });
  for (const [name, handler] of [['ric-ok', 'index.handler'], ['ric-fail', 'index.fails']]) {
    await t.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'provided.al2023', Handler: handler, Role: ROLE, Code: { ZipFile: zip }, Timeout: 30 }));
  }
  const ok = await t.lambda.send(new InvokeCommand({ FunctionName: 'ric-ok', Payload: payload({ hello: 'ric' }) }));
  assert.equal(ok.FunctionError, undefined, Buffer.from(ok.Payload ?? []).toString());
  const body = json(ok.Payload);
  assert.deepEqual(body.echo, { hello: 'ric' });
  assert.equal(body.fn, 'ric-ok');
  assert.match(body.rid, /^[0-9a-f-]{36}$/);
  assert.equal(body.left, true);
  // A second invoke reuses the warm environment (the RIC loops on /next).
  const again = await t.lambda.send(new InvokeCommand({ FunctionName: 'ric-ok', Payload: payload({ n: 2 }) }));
  assert.deepEqual(json(again.Payload).echo, { n: 2 });
  const bad = await t.lambda.send(new InvokeCommand({ FunctionName: 'ric-fail', Payload: payload({}) }));
  assert.equal(bad.FunctionError, 'Unhandled');
  const err = json(bad.Payload);
  assert.equal(err.errorType, 'TypeError');
  assert.equal(err.errorMessage, 'ric says no');
});
