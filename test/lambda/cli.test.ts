import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { ROLE, startLambda, type LambdaTest } from './support.ts';

describe('Lambda through the AWS CLI', { skip: awsCliMissing }, () => {
  let t: LambdaTest;
  let dir: string;
  before(async () => {
    t = await startLambda();
    dir = mkdtempSync(join(t.t.dataDir, 'cli-'));
  });
  after(async () => {
    await t?.close();
  });

  const { aws, awsError } = awsCli(() => t.t.endpoint, { service: 'lambda' });

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
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'index.js'), 'exports.handler = async () => "from a directory";');
    await aws('create-function', '--function-name', 'cli-local', '--runtime', 'nodejs20.x', '--role', ROLE, '--handler', 'index.handler', '--code', `S3Bucket=__local__,S3Key=${code}`);
    await aws('invoke', '--function-name', 'cli-local', out);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')), 'from a directory');

    const list = await aws('list-functions');
    assert.deepEqual(list.Functions.map((f: { FunctionName: string }) => f.FunctionName).sort(), ['cli-local', 'cli-py']);
    await aws('delete-function', '--function-name', 'cli-local');
    assert.match(await awsError('get-function', '--function-name', 'cli-local'), /ResourceNotFoundException/);
  });
});
