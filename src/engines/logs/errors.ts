import { awsError } from '../../core/errors.ts';

// CloudWatch Logs error codes (models/logs.json). All are client faults with HTTP 400, as on AWS, except
// ServiceUnavailableException. The engine throws these; the JSON 1.1 serializer renders `__type`.
export class ResourceNotFoundException extends awsError('ResourceNotFoundException') {}
export class ResourceAlreadyExistsException extends awsError('ResourceAlreadyExistsException') {}
export class InvalidParameterException extends awsError('InvalidParameterException') {}
export class LimitExceededException extends awsError('LimitExceededException') {}
export class TooManyTagsException extends awsError('TooManyTagsException') {}
export class OperationAbortedException extends awsError('OperationAbortedException') {}
export class ServiceUnavailableException extends awsError('ServiceUnavailableException', { status: 500 }) {}
