import { awsError } from '../../core/errors.ts';

// Cost Explorer's errors (JSON 1.1, HTTP 400). ValidationException is not in the model but is what the real service
// answers for bad dates, granularities, metrics, group definitions and expressions.
export class ValidationException extends awsError('ValidationException') {}
export class DataUnavailableException extends awsError('DataUnavailableException') {}
export class InvalidNextTokenException extends awsError('InvalidNextTokenException') {}
export class RequestChangedException extends awsError('RequestChangedException') {}
export class LimitExceededException extends awsError('LimitExceededException') {}
