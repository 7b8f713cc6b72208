import { instanceType } from '../catalog/instance-types.ts';
import type { Ec2Deps } from '../deps.ts';
import { STATE_CODES, type InstanceState } from '../domain/instance-state.ts';
import type { InstanceRow } from '../store.ts';

/** An instance row → the EC2 API's Instance structure. */
export function instanceShape(d: Ec2Deps, r: InstanceRow) {
  const type = instanceType(r.instance_type);
  const groups = (JSON.parse(r.security_group_ids) as string[]).map((id) => ({ GroupId: id, GroupName: d.store.group(id)?.name ?? id }));
  const dns = `ip-${r.private_ip.replace(/\./g, '-')}.${r.region === 'us-east-1' ? 'ec2.internal' : `${r.region}.compute.internal`}`;
  const volumes = d.store.volumesOf(r.id);
  const live = r.state !== 'terminated';
  return {
    InstanceId: r.id,
    ImageId: r.image_id,
    State: stateShape(r.state as InstanceState),
    PrivateDnsName: live ? dns : '',
    PublicDnsName: '',
    StateTransitionReason: r.state_transition_reason,
    KeyName: r.key_name ?? undefined,
    AmiLaunchIndex: r.launch_index,
    InstanceType: r.instance_type,
    LaunchTime: new Date(r.launch_time),
    Placement: { AvailabilityZone: r.az, GroupName: '', Tenancy: r.tenancy, HostId: r.host_id ?? undefined },
    InstanceLifecycle: r.market === 'spot' ? 'spot' : undefined,
    SpotInstanceRequestId: r.spot_request_id ?? undefined,
    Monitoring: { State: 'disabled' },
    SubnetId: live ? r.subnet_id : undefined,
    VpcId: live ? r.vpc_id : undefined,
    PrivateIpAddress: live ? r.private_ip : undefined,
    Architecture: 'x86_64',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: volumes.map((v) => ({
      DeviceName: v.device!, Ebs: { VolumeId: v.id, Status: v.attach_state ?? 'attached', AttachTime: new Date(v.attach_time ?? v.created_at), DeleteOnTermination: v.delete_on_termination === 1 },
    })),
    VirtualizationType: 'hvm',
    Hypervisor: 'xen',
    ClientToken: r.client_token ?? '',
    Tags: d.store.tagsOf(r.id).map((t) => ({ Key: t.key, Value: t.value })),
    SecurityGroups: groups,
    SourceDestCheck: true,
    EbsOptimized: false,
    EnaSupport: true,
    StateReason: r.state_reason_code ? { Code: r.state_reason_code, Message: r.state_reason_message ?? r.state_reason_code } : undefined,
    CpuOptions: type ? { CoreCount: Math.max(1, type.vcpus / 2), ThreadsPerCore: type.vcpus > 1 ? 2 : 1 } : undefined,
    MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', InstanceMetadataTags: 'disabled' },
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    BootMode: 'uefi-preferred',
    NetworkInterfaces: live ? [{
      NetworkInterfaceId: `eni-${r.id.slice(2)}`, SubnetId: r.subnet_id, VpcId: r.vpc_id, PrivateIpAddress: r.private_ip, PrivateDnsName: dns,
      Status: 'in-use', MacAddress: undefined, OwnerId: r.account, Groups: groups, SourceDestCheck: true, InterfaceType: 'interface',
      Attachment: { AttachmentId: `eni-attach-${r.id.slice(2)}`, DeviceIndex: 0, Status: 'attached', AttachTime: new Date(r.launch_time), DeleteOnTermination: true },
      PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: r.private_ip, PrivateDnsName: dns }],
    }] : [],
  };
}

export function stateShape(state: InstanceState) {
  return { Code: STATE_CODES[state], Name: state };
}
