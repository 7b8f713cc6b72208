import { awsError } from '../../core/errors.ts';

// One class per EC2 error code (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
export { InvalidParameterValue, MissingParameter, InvalidParameterCombination, UnsupportedOperation } from '../../core/errors.ts';
export class InvalidInstanceIDNotFound extends awsError('InvalidInstanceID.NotFound') {}
export class InvalidInstanceIDMalformed extends awsError('InvalidInstanceID.Malformed') {}
export class IncorrectInstanceState extends awsError('IncorrectInstanceState') {}
export class IncorrectState extends awsError('IncorrectState') {}
export class InvalidAMIIDNotFound extends awsError('InvalidAMIID.NotFound') {}
export class InvalidAMIIDMalformed extends awsError('InvalidAMIID.Malformed') {}
export class InvalidAMINameDuplicate extends awsError('InvalidAMIName.Duplicate') {}
export class InvalidKeyPairNotFound extends awsError('InvalidKeyPair.NotFound') {}
export class InvalidKeyPairDuplicate extends awsError('InvalidKeyPair.Duplicate') {}
export class InvalidKeyFormat extends awsError('InvalidKey.Format') {}
export class InvalidGroupNotFound extends awsError('InvalidGroup.NotFound') {}
export class InvalidGroupIdMalformed extends awsError('InvalidGroupId.Malformed') {}
export class InvalidGroupDuplicate extends awsError('InvalidGroup.Duplicate') {}
export class InvalidGroupReserved extends awsError('InvalidGroup.Reserved') {}
export class InvalidPermissionDuplicate extends awsError('InvalidPermission.Duplicate') {}
export class InvalidPermissionNotFound extends awsError('InvalidPermission.NotFound') {}
export class InvalidPermissionMalformed extends awsError('InvalidPermission.Malformed') {}
export class DependencyViolation extends awsError('DependencyViolation') {}
export class InvalidVolumeNotFound extends awsError('InvalidVolume.NotFound') {}
export class InvalidVolumeZoneMismatch extends awsError('InvalidVolume.ZoneMismatch') {}
export class VolumeInUse extends awsError('VolumeInUse') {}
export class InvalidAttachmentNotFound extends awsError('InvalidAttachment.NotFound') {}
export class InvalidSubnetIDNotFound extends awsError('InvalidSubnetID.NotFound') {}
export class InvalidVpcIDNotFound extends awsError('InvalidVpcID.NotFound') {}
export class InvalidZoneNotFound extends awsError('InvalidZone.NotFound') {}
export class InvalidUserDataMalformed extends awsError('InvalidUserData.Malformed') {}
export class InvalidID extends awsError('InvalidID') {}
export class InvalidFilter extends awsError('InvalidFilter') {}
export class InvalidNextToken extends awsError('InvalidNextToken') {}
export class OperationNotPermitted extends awsError('OperationNotPermitted') {}
export class InvalidInstanceType extends awsError('InvalidInstanceType') {}
export class InsufficientInstanceCapacity extends awsError('InsufficientInstanceCapacity', { status: 500 }) {}
export class InstanceLimitExceeded extends awsError('InstanceLimitExceeded') {}
export class HostLimitExceeded extends awsError('HostLimitExceeded') {}
export class InvalidRegion extends awsError('InvalidRegion') {}
/** AWS: "The requested configuration is currently not supported. Please check the documentation for supported configurations." */
export class Unsupported extends awsError('Unsupported') {}
// Purchase options (issue 6).
export class InvalidHostIDNotFound extends awsError('InvalidHostID.NotFound') {}
export class InvalidHostIDMalformed extends awsError('InvalidHostID.Malformed') {}
export class InvalidHostConfiguration extends awsError('InvalidHostConfiguration') {}
export class InsufficientHostCapacity extends awsError('InsufficientHostCapacity', { status: 500 }) {}
export class SpotMaxPriceTooLow extends awsError('SpotMaxPriceTooLow') {}
export class InvalidSpotInstanceRequestIDNotFound extends awsError('InvalidSpotInstanceRequestID.NotFound') {}
export class InvalidSpotInstanceRequestIDMalformed extends awsError('InvalidSpotInstanceRequestID.Malformed') {}
export class InvalidReservedInstancesOfferingId extends awsError('InvalidReservedInstancesOfferingId') {}
export class InvalidReservedInstancesId extends awsError('InvalidReservedInstancesId') {}
