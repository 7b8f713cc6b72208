import { awsError } from '../../core/errors.ts';

// Auto Scaling error codes (query protocol <Code>), from the service model's error shapes.
export class ValidationError extends awsError('ValidationError') {}
export class AlreadyExists extends awsError('AlreadyExists') {}
export class LimitExceeded extends awsError('LimitExceeded') {}
export class ResourceContention extends awsError('ResourceContention', { status: 500, fault: 'Sender' }) {}
export class ResourceInUse extends awsError('ResourceInUse') {}
export class ScalingActivityInProgress extends awsError('ScalingActivityInProgress') {}
export class InstanceRefreshInProgress extends awsError('InstanceRefreshInProgress') {}
export class ActiveInstanceRefreshNotFound extends awsError('ActiveInstanceRefreshNotFound') {}
export class InvalidNextToken extends awsError('InvalidNextToken') {}
