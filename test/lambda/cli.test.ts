import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { ROLE, startLambda, type LambdaTest } from './support.ts';

const run = promisify(execFile);
// Debian's awscli (a pyenv/pip `aws` may shadow it on PATH).
const AWS = '/usr/bin/aws';
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };

describe('Lambda through the AWS CLI', { skip: !existsSync(AWS) && 'Debian awscli not installed' }, () => {
  let t: LambdaTest;
  let dir: string;
  before(async () => {
    t = await startLambda();
    dir = mkdtempSync(join(t.t.dataDir, 'cli-'));
  });
  after(async () => {
    await t?.close();
  });

  async function aws(...args: string[]): Promise<any> {
    const { stdout } = await run(AWS, ['--endpoint-url', t.t.endpoint, '--output', 'json', 'lambda', ...args], { env });
    return stdout.trim() ? JSON.parse(stdout) : {};
  }

  test('create-function (zip and local directory), invoke, get, list, delete, errors', async () => {
    const zip = join(dir, 'fn.zip');
    writeFileSync(zip, writeZip({ 'handler.py': 'def main(event, context):\n    return {"sum": event["a"] + event["b"]}\n' }));
    const created = await aws('create-function', '--function-name', 'cli-py', '--runtime', 'python3.12', '--role', ROLE, '--handler', 'handler.main', '--zip-file', `fileb://${zip}`);
    assert.equal(created.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:cli-py');
    const out = join(dir, 'out.json');
    const res = await aws('invoke', '--function-name', 'cli-py', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"a":2,"b":40}', out);
    assert.equal(res.StatusCode, 200);
    assert.equal(res.ExecutedVersion, '$LATEST');
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { sum: 42 });

    // Nimbus-specific: code straight from a host directory (S3Bucket "__local__").
    const code = join(dir, 'local');
    await run('mkdir', ['-p', code]);
    writeFileSync(join(code, 'index.js'), 'exports.handler = async () => "from a directory";');
    await aws('create-function', '--function-name', 'cli-local', '--runtime', 'nodejs20.x', '--role', ROLE, '--handler', 'index.handler', '--code', `S3Bucket=__local__,S3Key=${code}`);
    await aws('invoke', '--function-name', 'cli-local', out);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')), 'from a directory');

    const list = await aws('list-functions');
    assert.deepEqual(list.Functions.map((f: { FunctionName: string }) => f.FunctionName).sort(), ['cli-local', 'cli-py']);
    await aws('delete-function', '--function-name', 'cli-local');
    const err = await run(AWS, ['--endpoint-url', t.t.endpoint, 'lambda', 'get-function', '--function-name', 'cli-local'], { env }).catch((e) => e);
    assert.match(String(err.stderr), /ResourceNotFoundException/);
  });
});
