import { awsError } from '../../core/errors.ts';

// ELBv2 error codes as the query protocol renders them (<Code>…</Code>); the SDK maps them to *Exception classes.
export class ValidationError extends awsError('ValidationError') {}
export class LoadBalancerNotFound extends awsError('LoadBalancerNotFound') {}
export class TargetGroupNotFound extends awsError('TargetGroupNotFound') {}
export class ListenerNotFound extends awsError('ListenerNotFound') {}
export class RuleNotFound extends awsError('RuleNotFound') {}
export class DuplicateLoadBalancerName extends awsError('DuplicateLoadBalancerName') {}
export class DuplicateTargetGroupName extends awsError('DuplicateTargetGroupName') {}
export class DuplicateListener extends awsError('DuplicateListener') {}
export class DuplicateTagKeys extends awsError('DuplicateTagKeys') {}
export class InvalidTarget extends awsError('InvalidTarget') {}
export class PriorityInUse extends awsError('PriorityInUse') {}
export class ResourceInUse extends awsError('ResourceInUse') {}
export class InvalidConfigurationRequest extends awsError('InvalidConfigurationRequest') {}
export class InvalidLoadBalancerAction extends awsError('InvalidLoadBalancerAction') {}
export class IncompatibleProtocols extends awsError('IncompatibleProtocols') {}
export class UnsupportedProtocol extends awsError('UnsupportedProtocol') {}
export class SubnetNotFound extends awsError('SubnetNotFound') {}
export class InvalidSubnet extends awsError('InvalidSubnet') {}
export class InvalidSecurityGroup extends awsError('InvalidSecurityGroup') {}
export class OperationNotPermitted extends awsError('OperationNotPermitted') {}
export class TooManyTargets extends awsError('TooManyTargets') {}
export class TooManyTags extends awsError('TooManyTags') {}
export class TooManyRules extends awsError('TooManyRules') {}
export class TooManyLoadBalancers extends awsError('TooManyLoadBalancers') {}
export class TooManyTargetGroups extends awsError('TooManyTargetGroups') {}
export class TooManyListeners extends awsError('TooManyListeners') {}
export class TooManyActions extends awsError('TooManyActions') {}
export class TooManyRegistrationsForTargetId extends awsError('TooManyRegistrationsForTargetId') {}
export class CertificateNotFound extends awsError('CertificateNotFound') {}

/** AWS quotas (defaults) Nimbus enforces. */
export const LIMITS = {
  loadBalancers: 50,
  targetGroups: 3000,
  listenersPerLoadBalancer: 50,
  rulesPerListener: 100,
  targetsPerTargetGroup: 1000,
  targetsPerLoadBalancer: 1000,
  registrationsPerTarget: 100,
  tagsPerResource: 50,
  conditionValuesPerRule: 5,
  actionsPerRule: 5,
  targetGroupsPerAction: 5,
} as const;
export class TargetGroupAssociationLimit extends awsError('TargetGroupAssociationLimit') {}
