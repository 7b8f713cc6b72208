import { awsError } from '../../core/errors.ts';

// The Price List's errors (JSON 1.1: `__type` + message, HTTP 400).
export class InvalidParameterException extends awsError('InvalidParameterException') {}
export class InvalidNextTokenException extends awsError('InvalidNextTokenException') {}
export class NotFoundException extends awsError('NotFoundException') {}
