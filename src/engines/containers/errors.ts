import { awsError } from '../../core/errors.ts';

// ECS's errors, one class per AWS error code (JSON 1.1 `__type`). All are HTTP 400 except ServerException (500),
// as ECS answers them.
export class ClientException extends awsError('ClientException') {}
export class ServerException extends awsError('ServerException', { status: 500 }) {}
export class InvalidParameterException extends awsError('InvalidParameterException') {}
export class ClusterNotFoundException extends awsError('ClusterNotFoundException') {}
export class ClusterContainsServicesException extends awsError('ClusterContainsServicesException') {}
export class ClusterContainsTasksException extends awsError('ClusterContainsTasksException') {}
export class ClusterContainsContainerInstancesException extends awsError('ClusterContainsContainerInstancesException') {}
export class ServiceNotFoundException extends awsError('ServiceNotFoundException') {}
export class ServiceNotActiveException extends awsError('ServiceNotActiveException') {}
export class PlatformUnknownException extends awsError('PlatformUnknownException') {}
export class PlatformTaskDefinitionIncompatibilityException extends awsError('PlatformTaskDefinitionIncompatibilityException') {}
export class AccessDeniedException extends awsError('AccessDeniedException') {}
export class ResourceNotFoundException extends awsError('ResourceNotFoundException') {}
export class UnsupportedFeatureException extends awsError('UnsupportedFeatureException') {}
export class LimitExceededException extends awsError('LimitExceededException') {}
export class UpdateInProgressException extends awsError('UpdateInProgressException') {}
export class ConflictException extends awsError('ConflictException') {}
