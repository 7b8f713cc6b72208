import { awsError } from '../../core/errors.ts';

// Savings Plans errors (rest-json: x-amzn-ErrorType + {"message"}), with the model's HTTP statuses.
export class ValidationException extends awsError('ValidationException') {}
export class ResourceNotFoundException extends awsError('ResourceNotFoundException', { status: 404 }) {}
export class ServiceQuotaExceededException extends awsError('ServiceQuotaExceededException', { status: 402 }) {}
