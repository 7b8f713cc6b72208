import { CreateFunctionCommand, LambdaClient, type Runtime } from '@aws-sdk/client-lambda';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

export interface LambdaTest {
  t: TestNimbus;
  lambda: LambdaClient;
  close(): Promise<void>;
}

/** A Nimbus (port 0, temp dir) and a Lambda client for it. `env`: NIMBUS_LAMBDA_* settings for this test process. */
export async function startLambda(env: Record<string, string> = {}): Promise<LambdaTest> {
  Object.assign(process.env, env);
  const t = await startTestNimbus();
  const lambda = sdkClient(LambdaClient, t.endpoint);
  return {
    t, lambda,
    async close() {
      lambda.destroy();
      await t.close();
    },
  };
}

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/** A Node handler module (CommonJS) that answers what the tests ask of it through the event. */
export const NODE_ECHO = `
const started = Date.now();
let calls = 0;
exports.handler = async (event, context) => {
  calls++;
  if (event && event.log) console.log(event.log);
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event && event.hog) { const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1)); }
  if (event && event.fail) throw new RangeError(event.fail);
  if (event && event.exit !== undefined) process.exit(event.exit);
  return {
    event, calls, started, requestId: context.awsRequestId, arn: context.invokedFunctionArn, fn: context.functionName,
    version: context.functionVersion, memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis(),
    env: { greeting: process.env.GREETING, runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API, taskRoot: process.env.LAMBDA_TASK_ROOT,
      handler: process.env._HANDLER, region: process.env.AWS_REGION, tz: process.env.TZ, group: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, version: process.env.AWS_LAMBDA_FUNCTION_VERSION },
  };
};
`;

export const nodeZip = (src = NODE_ECHO, file = 'index.js') => writeZip({ [file]: src });

export async function createNodeFunction(lambda: LambdaClient, name: string, over: Record<string, unknown> = {}, zip = nodeZip()): Promise<string> {
  const out = await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x' as Runtime, Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip }, ...over,
  }));
  return out.FunctionArn!;
}

export const json = (p: Uint8Array | undefined) => JSON.parse(Buffer.from(p ?? []).toString('utf8'));
export const payload = (v: unknown) => Buffer.from(JSON.stringify(v));

/** The error a promise rejects with (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number }; $response?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected the call to fail');
}
