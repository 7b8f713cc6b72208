import { AwsError } from '../../core/errors.ts';

/**
 * SQS errors carry two spellings: `code` is the query-protocol code (what the query API renders and what the JSON
 * API puts in the `x-amzn-query-error: <code>;Sender` header, because SQS is awsQueryCompatible) and `shape` is the
 * model's shape name (the JSON `__type`, `com.amazonaws.sqs#<shape>`). Codes and statuses come from the SQS Smithy
 * model's awsQueryError traits.
 */
export class SqsError extends AwsError {
  constructor(readonly shape: string, code: string, message: string, status = 400) {
    super(code, message, { status });
  }
}

function sqsError(shape: string, code: string, status: number, fallback: string) {
  return class extends SqsError {
    constructor(message: string = fallback) {
      super(shape, code, message, status);
    }
  };
}

const Q = 'AWS.SimpleQueueService.';
export class QueueDoesNotExist extends sqsError('QueueDoesNotExist', `${Q}NonExistentQueue`, 400, 'The specified queue does not exist.') {}
export class QueueNameExists extends sqsError('QueueNameExists', 'QueueAlreadyExists', 400, 'A queue already exists with the same name and a different value for attribute(s).') {}
export class QueueDeletedRecently extends sqsError('QueueDeletedRecently', `${Q}QueueDeletedRecently`, 400, 'You must wait 60 seconds after deleting a queue before you can create another with the same name.') {}
export class PurgeQueueInProgress extends sqsError('PurgeQueueInProgress', `${Q}PurgeQueueInProgress`, 403, 'Only one PurgeQueue operation on a queue is allowed every 60 seconds.') {}
export class MessageNotInflight extends sqsError('MessageNotInflight', `${Q}MessageNotInflight`, 400, 'The message referred to is not in flight.') {}
export class ReceiptHandleIsInvalid extends sqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404, 'The specified receipt handle isn\'t valid.') {}
export class InvalidIdFormat extends sqsError('InvalidIdFormat', 'InvalidIdFormat', 400, 'The specified receipt handle isn\'t valid for the current version.') {}
export class InvalidAttributeName extends sqsError('InvalidAttributeName', 'InvalidAttributeName', 400, 'Unknown Attribute.') {}
export class InvalidAttributeValue extends sqsError('InvalidAttributeValue', 'InvalidAttributeValue', 400, 'Invalid attribute value.') {}
export class InvalidMessageContents extends sqsError('InvalidMessageContents', 'InvalidMessageContents', 400, 'Invalid characters found.') {}
export class InvalidParameterValue extends sqsError('InvalidParameterValueException', 'InvalidParameterValue', 400, 'One or more parameters are invalid.') {}
export class MissingParameter extends sqsError('MissingParameterException', 'MissingParameter', 400, 'A required parameter is missing.') {}
export class EmptyBatchRequest extends sqsError('EmptyBatchRequest', `${Q}EmptyBatchRequest`, 400, 'There should be at least one entry in the request.') {}
export class TooManyEntriesInBatchRequest extends sqsError('TooManyEntriesInBatchRequest', `${Q}TooManyEntriesInBatchRequest`, 400, 'Maximum number of entries per request are 10.') {}
export class BatchEntryIdsNotDistinct extends sqsError('BatchEntryIdsNotDistinct', `${Q}BatchEntryIdsNotDistinct`, 400, 'Id values must be unique within a batch request.') {}
export class InvalidBatchEntryId extends sqsError('InvalidBatchEntryId', `${Q}InvalidBatchEntryId`, 400, 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.') {}
export class BatchRequestTooLong extends sqsError('BatchRequestTooLong', `${Q}BatchRequestTooLong`, 400, 'Batch requests cannot be longer than 262144 bytes.') {}
export class OverLimit extends sqsError('OverLimit', 'OverLimit', 403, 'The specified action violates a limit.') {}
export class ResourceNotFoundException extends sqsError('ResourceNotFoundException', 'ResourceNotFoundException', 404, 'The resource that you specified for the SourceArn parameter doesn\'t exist.') {}
export class UnsupportedOperation extends sqsError('UnsupportedOperation', `${Q}UnsupportedOperation`, 400, 'Unsupported operation.') {}
