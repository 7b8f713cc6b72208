import { awsError } from '../../core/errors.ts';

// CloudWatch errors (query codes; the JSON protocol renders the model's shape name plus x-amzn-query-error because
// the model is awsQueryCompatible).
export class InvalidParameterValue extends awsError('InvalidParameterValue') {}
export class MissingParameter extends awsError('MissingParameter') {}
export class InvalidParameterCombination extends awsError('InvalidParameterCombination') {}
export class ResourceNotFound extends awsError('ResourceNotFound', { status: 404 }) {}
export class ResourceNotFoundException extends awsError('ResourceNotFoundException', { status: 404 }) {}
export class LimitExceeded extends awsError('LimitExceeded') {}
export class InvalidNextToken extends awsError('InvalidNextToken') {}
/** Metric math errors (AWS answers these with ValidationError, a code the model does not list). */
export class ValidationError extends awsError('ValidationError') {}
