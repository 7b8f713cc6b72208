import { SQSClient } from '@aws-sdk/client-sqs';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

export interface SqsTest {
  t: TestNimbus;
  sqs: SQSClient;
  close(): Promise<void>;
}

/** A Nimbus (port 0, temp dir) and a JSON-protocol SQS client for it. */
export async function startSqs(): Promise<SqsTest> {
  const t = await startTestNimbus();
  const sqs = sdkClient(SQSClient, t.endpoint);
  return {
    t, sqs,
    async close() {
      sqs.destroy();
      await t.close();
    },
  };
}

/** The error a promise rejects with (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { name: string; Code?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected the call to fail');
}
