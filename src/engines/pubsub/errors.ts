import { awsError } from '../../core/errors.ts';

// SNS error codes and statuses from the model (models/sns.json `error` traits). Providers throw these; the
// query serializer renders them (`<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>…`).
export class NotFound extends awsError('NotFound', { status: 404 }) {}
export class InvalidParameter extends awsError('InvalidParameter') {}
export class ParameterValueInvalid extends awsError('ParameterValueInvalid') {}
export class AuthorizationError extends awsError('AuthorizationError', { status: 403 }) {}
export class ResourceNotFound extends awsError('ResourceNotFound', { status: 404 }) {}
export class TagLimitExceeded extends awsError('TagLimitExceeded') {}
export class FilterPolicyLimitExceeded extends awsError('FilterPolicyLimitExceeded', { status: 403 }) {}
export class SubscriptionLimitExceeded extends awsError('SubscriptionLimitExceeded', { status: 403 }) {}
export class TopicLimitExceeded extends awsError('TopicLimitExceeded', { status: 403 }) {}
export class EmptyBatchRequest extends awsError('EmptyBatchRequest') {}
export class TooManyEntriesInBatchRequest extends awsError('TooManyEntriesInBatchRequest') {}
export class BatchEntryIdsNotDistinct extends awsError('BatchEntryIdsNotDistinct') {}
export class BatchRequestTooLong extends awsError('BatchRequestTooLong') {}
export class InvalidBatchEntryId extends awsError('InvalidBatchEntryId') {}
