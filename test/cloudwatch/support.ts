import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

export interface CwTest {
  t: TestNimbus;
  cw: CloudWatchClient;
  close(): Promise<void>;
}

/** A Nimbus (port 0, temp dir) and a JSON-protocol CloudWatch client for it. */
export async function startCw(): Promise<CwTest> {
  const t = await startTestNimbus();
  const cw = sdkClient(CloudWatchClient, t.endpoint);
  return {
    t, cw,
    async close() {
      cw.destroy();
      await t.close();
    },
  };
}

export { rejection } from '../sqs/support.ts';
