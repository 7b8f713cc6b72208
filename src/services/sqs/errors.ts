import { SqsError } from '../../engines/queue/index.ts';

// SQS errors. The engine's errors carry the query-protocol code (`code`) and the model's shape name; the protocol
// layer renders them: query `<Code>AWS.SimpleQueueService.NonExistentQueue</Code>`, JSON `__type` = the error shape
// whose (merged, see scripts/trim-model.ts) error code matches, plus `x-amzn-query-error: <code>;Sender` because
// the model is awsQueryCompatible. So handlers only throw; nothing here renders.
export {
  BatchEntryIdsNotDistinct, EmptyBatchRequest, InvalidAttributeName, InvalidAttributeValue, InvalidBatchEntryId,
  InvalidMessageContents, InvalidParameterValue, MissingParameter, OverLimit, QueueDoesNotExist, SqsError,
  TooManyEntriesInBatchRequest, UnsupportedOperation,
} from '../../engines/queue/index.ts';

/** A QueueUrl that is not a queue URL at all (AWS: 404 InvalidAddress). */
export class InvalidAddress extends SqsError {
  constructor(message: string) {
    super('InvalidAddress', 'InvalidAddress', message, 404);
  }
}
