import type { QueueEngine } from '../../engines/queue/index.ts';
import { required, type SqsHandlers } from './handlers.ts';

// Dead-letter queue redrive: message move tasks, addressed by queue ARN (not URL).

export function moveTaskHandlers(queues: QueueEngine): SqsHandlers<'StartMessageMoveTask' | 'ListMessageMoveTasks' | 'CancelMessageMoveTask'> {
  return {
    StartMessageMoveTask: (input) => {
      const r = queues.startMessageMoveTask({
        sourceArn: required(input.SourceArn, 'SourceArn'), destinationArn: input.DestinationArn, maxNumberOfMessagesPerSecond: input.MaxNumberOfMessagesPerSecond,
      });
      return { TaskHandle: r.taskHandle };
    },

    ListMessageMoveTasks: (input) => {
      const tasks = queues.listMessageMoveTasks(required(input.SourceArn, 'SourceArn'), input.MaxResults);
      return {
        Results: tasks.map((t) => ({
          TaskHandle: t.taskHandle, Status: t.status, SourceArn: t.sourceArn, DestinationArn: t.destinationArn,
          MaxNumberOfMessagesPerSecond: t.maxNumberOfMessagesPerSecond, ApproximateNumberOfMessagesMoved: t.approximateNumberOfMessagesMoved,
          ApproximateNumberOfMessagesToMove: t.approximateNumberOfMessagesToMove, FailureReason: t.failureReason, StartedTimestamp: t.startedTimestamp,
        })),
      };
    },

    CancelMessageMoveTask: (input) => {
      const r = queues.cancelMessageMoveTask(required(input.TaskHandle, 'TaskHandle'));
      return { ApproximateNumberOfMessagesMoved: r.approximateNumberOfMessagesMoved };
    },
  };
}
