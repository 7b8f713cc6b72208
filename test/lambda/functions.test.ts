import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteAliasCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand,
  GetAliasCommand, GetFunctionCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, InvokeCommand, ListAliasesCommand,
  ListFunctionsCommand, ListTagsCommand, ListVersionsByFunctionCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, TagResourceCommand,
  UntagResourceCommand, UpdateAliasCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, type Runtime,
} from '@aws-sdk/client-lambda';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { createNodeFunction, json, nodeZip, payload, rejection, ROLE, startLambda, type LambdaTest } from './support.ts';

describe('Lambda control plane through @aws-sdk/client-lambda', () => {
  let t: LambdaTest;
  before(async () => {
    t = await startLambda();
  });
  after(async () => {
    await t?.close();
  });

  test('create, get, list, update configuration and code, delete', async () => {
    const arn = await createNodeFunction(t.lambda, 'crud', { MemorySize: 256, Timeout: 5, Environment: { Variables: { GREETING: 'hi' } }, Tags: { team: 'a' } });
    assert.equal(arn, 'arn:aws:lambda:us-east-1:000000000000:function:crud');
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'crud' }));
    assert.equal(got.Configuration!.MemorySize, 256);
    assert.equal(got.Configuration!.Timeout, 5);
    assert.equal(got.Configuration!.Runtime, 'nodejs20.x');
    assert.equal(got.Configuration!.State, 'Active');
    assert.deepEqual(got.Configuration!.Environment!.Variables, { GREETING: 'hi' });
    assert.match(got.Configuration!.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.deepEqual(got.Tags, { team: 'a' });
    assert.match(got.Code!.Location!, /\/_nimbus\/lambda\/code\/[0-9a-f]{64}\.zip$/);
    const list = await t.lambda.send(new ListFunctionsCommand({}));
    assert.ok(list.Functions!.some((f) => f.FunctionName === 'crud'));
    const upd = await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'crud', MemorySize: 512, Description: 'bigger' }));
    assert.equal(upd.MemorySize, 512);
    assert.equal(upd.Description, 'bigger');
    const code = await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'crud', ZipFile: nodeZip('exports.handler = async () => "v2";') }));
    assert.notEqual(code.CodeSha256, got.Configuration!.CodeSha256);
    const out = await t.lambda.send(new InvokeCommand({ FunctionName: 'crud' }));
    assert.equal(json(out.Payload), 'v2');
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'crud' }));
    const gone = await rejection(t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'crud' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal(gone.$metadata?.httpStatusCode, 404);
    assert.match(gone.message, /Function not found: arn:aws:lambda:us-east-1:000000000000:function:crud/);
  });

  test('versions and aliases: publish, invoke by version and alias, weighted routing', async () => {
    await createNodeFunction(t.lambda, 'ver', {}, nodeZip('exports.handler = async () => "one";'));
    const v1 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'ver', Description: 'first' }));
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:ver:1');
    await t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'ver', ZipFile: nodeZip('exports.handler = async () => "two";') }));
    const v2 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'ver' }));
    assert.equal(v2.Version, '2');
    const versions = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'ver' }));
    assert.deepEqual(versions.Versions!.map((v) => v.Version), ['$LATEST', '1', '2']);
    const alias = await t.lambda.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '1' }));
    assert.equal(alias.AliasArn, 'arn:aws:lambda:us-east-1:000000000000:function:ver:live');
    const byAlias = await t.lambda.send(new InvokeCommand({ FunctionName: 'ver', Qualifier: 'live' }));
    assert.equal(json(byAlias.Payload), 'one');
    assert.equal(byAlias.ExecutedVersion, '1');
    const byVersion = await t.lambda.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:ver:2' }));
    assert.equal(json(byVersion.Payload), 'two');
    assert.equal(byVersion.ExecutedVersion, '2');
    await t.lambda.send(new UpdateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } }));
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((await t.lambda.send(new InvokeCommand({ FunctionName: 'ver:live' }))).ExecutedVersion!);
    assert.deepEqual([...seen].sort(), ['1', '2']);
    const aliases = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'ver' }));
    assert.deepEqual(aliases.Aliases!.map((a) => a.Name), ['live']);
    const dup = await rejection(t.lambda.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '1' })));
    assert.equal(dup.name, 'ResourceConflictException');
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'ver', Name: 'live' }));
    assert.equal((await rejection(t.lambda.send(new GetAliasCommand({ FunctionName: 'ver', Name: 'live' })))).name, 'ResourceNotFoundException');
    assert.equal((await rejection(t.lambda.send(new InvokeCommand({ FunctionName: 'ver', Qualifier: '9' })))).name, 'ResourceNotFoundException');
  });

  test('concurrency, tags and account settings', async () => {
    const arn = await createNodeFunction(t.lambda, 'conc');
    const put = await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'conc', ReservedConcurrentExecutions: 5 }));
    assert.equal(put.ReservedConcurrentExecutions, 5);
    assert.equal((await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }))).ReservedConcurrentExecutions, 5);
    const settings = await t.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit!.ConcurrentExecutions, 1000);
    assert.equal(settings.AccountLimit!.UnreservedConcurrentExecutions, 995);
    const tooMuch = await rejection(t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'conc', ReservedConcurrentExecutions: 990 })));
    assert.equal(tooMuch.name, 'InvalidParameterValueException');
    await t.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    assert.equal((await t.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }))).ReservedConcurrentExecutions, undefined);
    await t.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { a: '1', b: '2' } }));
    await t.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['a'] }));
    assert.deepEqual((await t.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags, { b: '2' });
  });

  test('bad input: invalid zip, missing handler, bad runtime, memory, timeout, conflicts, payload over 6 MB', async () => {
    const base = { Role: ROLE, Handler: 'index.handler', Runtime: 'nodejs20.x' as Runtime };
    const badZip = await rejection(t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad', Code: { ZipFile: Buffer.from('this is not a zip') } })));
    assert.equal(badZip.name, 'InvalidParameterValueException');
    assert.equal(badZip.$metadata?.httpStatusCode, 400);
    assert.match(badZip.message, /Could not unzip uploaded file/);
    const truncated = writeZip({ 'index.js': 'x'.repeat(1000) }).subarray(0, 60);
    assert.equal((await rejection(t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad', Code: { ZipFile: truncated } })))).name, 'InvalidParameterValueException');
    const runtime = await rejection(t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad', Runtime: 'cobol85' as Runtime, Code: { ZipFile: nodeZip() } })));
    assert.equal(runtime.name, 'InvalidParameterValueException');
    const old = await rejection(t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad', Runtime: 'nodejs12.x' as Runtime, Code: { ZipFile: nodeZip() } })));
    assert.match(old.message, /no longer supported/);
    const mem = await rejection(t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad', MemorySize: 64, Code: { ZipFile: nodeZip() } })));
    assert.equal(mem.name, 'ValidationException');
    assert.match(mem.message, /memorySize/);
    const timeout = await rejection(t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad', Timeout: 901, Code: { ZipFile: nodeZip() } })));
    assert.equal(timeout.name, 'InvalidParameterValueException');
    const noHandler = await rejection(t.lambda.send(new CreateFunctionCommand({ FunctionName: 'bad', Role: ROLE, Runtime: 'nodejs20.x', Code: { ZipFile: nodeZip() } })));
    assert.equal(noHandler.name, 'InvalidParameterValueException');
    await createNodeFunction(t.lambda, 'dup');
    const dup = await rejection(createNodeFunction(t.lambda, 'dup'));
    assert.equal(dup.name, 'ResourceConflictException');
    assert.equal(dup.$metadata?.httpStatusCode, 409);
    const big = await rejection(t.lambda.send(new InvokeCommand({ FunctionName: 'dup', Payload: payload({ x: 'y'.repeat(6 * 1024 * 1024) }) })));
    assert.equal(big.name, 'RequestTooLargeException');
    assert.equal(big.$metadata?.httpStatusCode, 413);
    const bigAsync = await rejection(t.lambda.send(new InvokeCommand({ FunctionName: 'dup', InvocationType: 'Event', Payload: payload({ x: 'y'.repeat(300 * 1024) }) })));
    assert.equal(bigAsync.name, 'RequestTooLargeException');
    const notJson = await rejection(t.lambda.send(new InvokeCommand({ FunctionName: 'dup', Payload: Buffer.from('{nope') })));
    assert.equal(notJson.name, 'InvalidRequestContentException');
    // The handler does not exist in the module / the module does not exist: the invoke fails like AWS's runtimes.
    await createNodeFunction(t.lambda, 'nohandler', { Handler: 'index.missing' });
    const r1 = await t.lambda.send(new InvokeCommand({ FunctionName: 'nohandler' }));
    assert.equal(r1.FunctionError, 'Unhandled');
    assert.equal(json(r1.Payload).errorType, 'Runtime.HandlerNotFound');
    await createNodeFunction(t.lambda, 'nomodule', { Handler: 'app.handler' });
    const r2 = await t.lambda.send(new InvokeCommand({ FunctionName: 'nomodule' }));
    assert.equal(json(r2.Payload).errorType, 'Runtime.ImportModuleError');
    // Nimbus is still fine.
    assert.ok((await t.lambda.send(new ListFunctionsCommand({}))).Functions!.length >= 3);
  });
});
