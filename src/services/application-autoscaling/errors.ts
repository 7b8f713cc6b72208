import { awsError } from '../../core/errors.ts';

// Application Auto Scaling's errors (JSON 1.1 `__type`), one class per AWS error code.
export class ValidationException extends awsError('ValidationException') {}
export class ObjectNotFoundException extends awsError('ObjectNotFoundException') {}
export class ConcurrentUpdateException extends awsError('ConcurrentUpdateException') {}
export class LimitExceededException extends awsError('LimitExceededException') {}
export class InvalidNextTokenException extends awsError('InvalidNextTokenException') {}
export class FailedResourceAccessException extends awsError('FailedResourceAccessException') {}
export class InternalServiceException extends awsError('InternalServiceException', { status: 500 }) {}
