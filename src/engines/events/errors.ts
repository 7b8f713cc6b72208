import { awsError } from '../../core/errors.ts';

// EventBridge's errors (JSON __type names as AWS renders them).
export class ResourceNotFoundException extends awsError('ResourceNotFoundException') {}
export class ValidationException extends awsError('ValidationException') {}
export class InvalidEventPatternException extends awsError('InvalidEventPatternException') {}
export class LimitExceededException extends awsError('LimitExceededException') {}
export class ConcurrentModificationException extends awsError('ConcurrentModificationException') {}
export class ManagedRuleException extends awsError('ManagedRuleException') {}
