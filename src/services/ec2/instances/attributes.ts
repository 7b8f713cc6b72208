import { instanceType } from '../catalog/instance-types.ts';
import type { Ec2Deps, Scope } from '../deps.ts';
import { assertAllowed, type InstanceState } from '../domain/instance-state.ts';
import { IncorrectInstanceState, InvalidParameterCombination, InvalidParameterValue, MissingParameter } from '../errors.ts';
import { findGroup, refreshFirewalls } from '../security-groups.ts';
import type { InstanceRow } from '../store.ts';
import { hostConfig, supports } from '../hosts/capacity.ts';
import { findInstances } from './describe.ts';
import { MAX_USER_DATA } from './run.ts';

type Val<T> = { Value?: T };
interface ModifyInput {
  InstanceId: string; Attribute?: string; Value?: string;
  InstanceType?: Val<string>; UserData?: Val<Buffer | string>; DisableApiTermination?: Val<boolean>;
  InstanceInitiatedShutdownBehavior?: Val<string>; Groups?: string[];
}

// Vertical scaling: changing InstanceType is allowed only while stopped (as on AWS); the new CPU and
// memory limits are applied by the driver on the next start.
export function attributeHandlers(d: Ec2Deps) {
  return {
    async ModifyInstanceAttribute(input: ModifyInput, ctx: Scope) {
      const [r] = findInstances(d, ctx, [input.InstanceId]);
      const fields: Partial<InstanceRow> = {};
      const attr = input.Attribute;
      const typeValue = input.InstanceType?.Value ?? (attr === 'instanceType' ? input.Value : undefined);
      if (typeValue !== undefined) {
        assertAllowed('modify-type', r.id, r.state as InstanceState);
        if (!instanceType(typeValue)) throw new InvalidParameterValue(`Invalid value '${typeValue}' for InstanceType.`);
        const host = r.host_id ? d.store.host(r.host_id) : undefined;
        if (host && !supports(host, typeValue)) throw new InvalidParameterValue(`Instance type '${typeValue}' does not match the configuration of host '${host.id}' (${hostConfig(host)})`);
        fields.instance_type = typeValue;
      }
      const ud = input.UserData?.Value ?? (attr === 'userData' ? input.Value : undefined);
      if (ud !== undefined) {
        if (r.state !== 'stopped') throw new IncorrectInstanceState(`The instance '${r.id}' is not in the 'stopped' state.`);
        const raw = Buffer.isBuffer(ud) ? ud : Buffer.from(ud, 'base64');
        if (raw.length > MAX_USER_DATA) throw new InvalidParameterValue(`User data is limited to ${MAX_USER_DATA} bytes`);
        fields.user_data = raw.length ? raw.toString('base64') : null;
      }
      const dat = input.DisableApiTermination?.Value ?? (attr === 'disableApiTermination' ? input.Value === 'true' : undefined);
      if (dat !== undefined) fields.disable_api_termination = dat ? 1 : 0;
      const sb = input.InstanceInitiatedShutdownBehavior?.Value ?? (attr === 'instanceInitiatedShutdownBehavior' ? input.Value : undefined);
      if (sb !== undefined) {
        if (sb !== 'stop' && sb !== 'terminate') throw new InvalidParameterValue(`Invalid value '${sb}' for InstanceInitiatedShutdownBehavior`);
        fields.shutdown_behavior = sb;
      }
      if (input.Groups?.length) {
        const ids = [...new Set(input.Groups.map((g) => findGroup(d, ctx, g).id))];
        fields.security_group_ids = JSON.stringify(ids);
      }
      if (!Object.keys(fields).length) {
        if (attr) throw new InvalidParameterCombination(`Attribute '${attr}' cannot be modified with this request`);
        throw new MissingParameter('The request must contain an attribute to modify');
      }
      d.store.updateInstance(r.id, { ...fields, updated_at: d.clock.now() });
      if (fields.security_group_ids) await refreshFirewalls(d, [...JSON.parse(r.security_group_ids), ...JSON.parse(fields.security_group_ids)]);
      return {};
    },
    DescribeInstanceAttribute(input: { InstanceId: string; Attribute: string }, ctx: Scope) {
      const [r] = findInstances(d, ctx, [input.InstanceId]);
      const base = { InstanceId: r.id };
      switch (input.Attribute) {
        case 'instanceType': return { ...base, InstanceType: { Value: r.instance_type } };
        case 'userData': return { ...base, UserData: r.user_data ? { Value: r.user_data } : {} };
        case 'disableApiTermination': return { ...base, DisableApiTermination: { Value: r.disable_api_termination === 1 } };
        case 'instanceInitiatedShutdownBehavior': return { ...base, InstanceInitiatedShutdownBehavior: { Value: r.shutdown_behavior } };
        case 'rootDeviceName': return { ...base, RootDeviceName: { Value: '/dev/xvda' } };
        case 'groupSet': return { ...base, Groups: (JSON.parse(r.security_group_ids) as string[]).map((id) => ({ GroupId: id, GroupName: d.store.group(id)?.name })) };
        case 'blockDeviceMapping': return {
          ...base,
          BlockDeviceMappings: d.store.volumesOf(r.id).map((v) => ({ DeviceName: v.device!, Ebs: { VolumeId: v.id, Status: 'attached', AttachTime: new Date(v.attach_time ?? v.created_at), DeleteOnTermination: v.delete_on_termination === 1 } })),
        };
        default: throw new InvalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
      }
    },
  };
}
