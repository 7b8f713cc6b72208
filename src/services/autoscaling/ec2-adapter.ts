import type { RequestContext } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import type { ComputePort, InstanceView, Scope, TemplateRef } from '../../engines/scaling/ports.ts';
import type { Ec2Deps } from '../ec2/deps.ts';
import { LaunchTemplateStore, resolveTemplate } from '../ec2/launch-templates.ts';
import { ensureDefaultVpc } from '../ec2/network.ts';

/**
 * The scaler's ComputePort over Nimbus's EC2: launches go through the EC2 service's own RunInstances handler
 * (launch template merging, capacity limits, networking), so Auto Scaling instances are ordinary real instances.
 */
export function ec2ComputePort(d: Ec2Deps, ec2: ServiceDefinition): ComputePort {
  const templates = new LaunchTemplateStore(d.store.db);
  const call = async (op: string, input: unknown, s: Scope) => ec2.handlers[op](input, { account: s.account, region: s.region } as RequestContext);
  return {
    resolveTemplate(s: Scope, ref: TemplateRef) {
      const { template, version, data } = resolveTemplate(templates, s, ref);
      return { id: template.id, name: template.name, version, imageId: data.ImageId, instanceType: data.InstanceType };
    },
    subnets(s: Scope) {
      return ensureDefaultVpc(d, s).subnets.map((x) => ({ id: x.id, az: x.az }));
    },
    async launch(s, req) {
      const plain = req.tags.filter((t) => !t.Key.toLowerCase().startsWith('aws:'));
      const reserved = req.tags.filter((t) => t.Key.toLowerCase().startsWith('aws:'));
      const res = (await call('RunInstances', {
        LaunchTemplate: req.template, MinCount: 1, MaxCount: 1, SubnetId: req.subnetId, InstanceType: req.instanceType,
        TagSpecifications: plain.length ? [{ ResourceType: 'instance', Tags: plain }, { ResourceType: 'volume', Tags: plain }] : undefined,
      }, s)) as { Instances: { InstanceId: string; InstanceType: string; ImageId: string; Placement: { AvailabilityZone: string } }[] };
      const i = res.Instances[0];
      d.store.tx(() => {
        for (const t of reserved) d.store.setTag({ ...s, resource_id: i.InstanceId, resource_type: 'instance', key: t.Key, value: t.Value });
      });
      return { instanceId: i.InstanceId, az: i.Placement.AvailabilityZone, instanceType: i.InstanceType, imageId: i.ImageId };
    },
    async terminate(s, ids) {
      const live = ids.filter((id) => d.store.instance(id));
      if (live.length) await call('TerminateInstances', { InstanceIds: live }, s);
    },
    describe(s, ids) {
      const out = new Map<string, InstanceView>();
      for (const id of ids) {
        const r = d.store.instance(id);
        // Issue 8: another account's instance does not exist for this group (AttachInstances, health checks).
        if (!r || r.account !== s.account || r.region !== s.region) continue;
        out.set(id, {
          state: r.state, az: r.az, subnetId: r.subnet_id, launchTime: r.launch_time, instanceType: r.instance_type, imageId: r.image_id,
          statusOk: r.state !== 'running' || d.compute.isRunning(id), tags: Object.fromEntries(d.store.tagsOf(id).map((t) => [t.key, t.value])),
        });
      }
      return out;
    },
    tag(s, id, tags) {
      d.store.tx(() => {
        for (const t of tags) d.store.setTag({ ...s, resource_id: id, resource_type: 'instance', key: t.Key, value: t.Value });
      });
    },
    untag(_s, id, keys) {
      for (const k of keys) d.store.deleteTag(id, k);
    },
  };
}
