import { readFileSync } from 'node:fs';
import type { QueueEngine } from '../../engines/queue/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import { withQueueAccess } from './access.ts';
import { batchHandlers } from './batches.ts';
import type { Operations } from './generated/operations.ts';
import { messageHandlers } from './messages.ts';
import { moveTaskHandlers } from './move-tasks.ts';
import { sqsQueryProtocol } from './protocol.ts';
import { queueHandlers } from './queues.ts';

// SQS over the shared durable queue engine (src/engines/queue), in both wire protocols: JSON 1.0 (current SDKs)
// and query (AWS CLI v1/v2 before 2.13, boto3 before 1.34, older SDKs). One model (models/sqs.json, the JSON model
// with the query traits merged back in) drives both.
//
// LIMITATIONS (see README "SQS"):
// - No IAM: a queue's Policy / AddPermission statements decide only what other accounts may do (statements with a
//   Condition are not evaluated); the owner account may do everything.
// - No KMS: KmsMasterKeyId is stored; messages are not encrypted (SqsManagedSseEnabled is reported as set).
// - FIFO throughput limits are not simulated; ReceiveRequestAttemptId is accepted and ignored.
// - QueueDeletedRecently is not enforced: a queue name can be reused at once.
// - A long poll whose client disconnects keeps waiting until its WaitTimeSeconds ends (it may then take messages,
//   which come back after their visibility timeout).
// - Queue URLs are http://{host the client used}/{account}/{name}; requests are answered for the region the client
//   signed for (or the region in an AWS-style queue URL).

export const sqsModel = JSON.parse(readFileSync(new URL('../../../models/sqs.json', import.meta.url), 'utf8')) as ServiceModel;

export function createSqsService(queues: QueueEngine): ServiceDefinition {
  // Issue 8: a queue of another account (by URL, owner id or ARN) only as far as its policy allows.
  const handlers: HandlerMap<Operations> = withQueueAccess(queues, {
    ...queueHandlers(queues),
    ...messageHandlers(queues),
    ...batchHandlers(queues),
    ...moveTaskHandlers(queues),
  });
  return {
    name: 'sqs',
    model: sqsModel,
    protocols: [protocols.json, sqsQueryProtocol],
    handlers: handlers as unknown as Record<string, Handler>,
    limitations: [
      'Queue policies (Policy, AddPermission) are stored but not enforced',
      'No KMS encryption: KmsMasterKeyId is stored only',
      'FIFO throughput limits are not simulated; ReceiveRequestAttemptId is ignored',
      'QueueDeletedRecently is not enforced',
    ],
  };
}
