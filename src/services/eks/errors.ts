import { awsError } from '../../core/errors.ts';

// EKS's errors (rest-json: x-amzn-ErrorType), with the HTTP statuses of the EKS model.
export class InvalidParameterException extends awsError('InvalidParameterException') {}
export class InvalidRequestException extends awsError('InvalidRequestException') {}
export class ClientException extends awsError('ClientException') {}
export class BadRequestException extends awsError('BadRequestException') {}
export class ResourceNotFoundException extends awsError('ResourceNotFoundException', { status: 404 }) {}
export class NotFoundException extends awsError('NotFoundException', { status: 404 }) {}
export class ResourceInUseException extends awsError('ResourceInUseException', { status: 409 }) {}
export class ResourceLimitExceededException extends awsError('ResourceLimitExceededException') {}
export class UnsupportedAvailabilityZoneException extends awsError('UnsupportedAvailabilityZoneException') {}
export class ServerException extends awsError('ServerException', { status: 500 }) {}
export class ServiceUnavailableException extends awsError('ServiceUnavailableException', { status: 503 }) {}
