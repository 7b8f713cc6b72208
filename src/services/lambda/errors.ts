import { awsError } from '../../core/errors.ts';

// Lambda's errors (rest-json: x-amzn-ErrorType + {"message", "__type"}), with AWS's HTTP statuses.
export class InvalidParameterValueException extends awsError('InvalidParameterValueException') {}
export class ValidationException extends awsError('ValidationException') {}
export class ResourceNotFoundException extends awsError('ResourceNotFoundException', { status: 404 }) {}
export class ResourceConflictException extends awsError('ResourceConflictException', { status: 409 }) {}
export class PreconditionFailedException extends awsError('PreconditionFailedException', { status: 412 }) {}
export class RequestTooLargeException extends awsError('RequestTooLargeException', { status: 413 }) {}
export class TooManyRequestsException extends awsError('TooManyRequestsException', { status: 429 }) {}
export class InvalidRequestContentException extends awsError('InvalidRequestContentException') {}
export class ServiceException extends awsError('ServiceException', { status: 500 }) {}
export class CodeStorageExceededException extends awsError('CodeStorageExceededException') {}
