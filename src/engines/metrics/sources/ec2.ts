import type { WorkloadStats } from '../../../drivers/driver.ts';
import type { MetricsSource, SourceDatum } from '../types.ts';

/** What the EC2 source needs from EC2 and the compute engine (wired in app.ts). */
export interface Ec2MetricsPort {
  runningInstances(): Array<{ id: string; vcpus: number; tags: Record<string, string>; account: string; region: string }>;
  stats(id: string): Promise<WorkloadStats | undefined>;
}

/**
 * AWS/EC2 CPUUtilization (percent): the instance's cgroup CPU time between two collections ÷ (wall time × vCPUs),
 * per InstanceId and, for instances tagged aws:autoscaling:groupName, per AutoScalingGroupName (one datum per
 * instance, so the group's Average is the mean over its instances, as on AWS).
 * LIMITATIONS: NetworkIn/NetworkOut are not published (the driver contract has no interface counters yet); no data
 * for instances without cgroups (non-root "plain" process mode: stats() is undefined).
 */
export function ec2Source(port: Ec2MetricsPort): MetricsSource {
  const last = new Map<string, { cpu: number; at: number }>();
  return {
    name: 'ec2',
    async collect(now: number): Promise<SourceDatum[]> {
      const out: SourceDatum[] = [];
      const seen = new Set<string>();
      await Promise.all(port.runningInstances().map(async (i) => {
        seen.add(i.id);
        const s = await port.stats(i.id).catch(() => undefined);
        if (!s) return;
        const prev = last.get(i.id);
        last.set(i.id, { cpu: s.cpuUsageMicros, at: now });
        if (!prev || now <= prev.at || s.cpuUsageMicros < prev.cpu) return;
        const util = Math.min(100, Math.max(0, ((s.cpuUsageMicros - prev.cpu) / 1000 / ((now - prev.at) * Math.max(1, i.vcpus))) * 100));
        const value = Math.round(util * 1000) / 1000;
        const base = { account: i.account, region: i.region, namespace: 'AWS/EC2', metricName: 'CPUUtilization', unit: 'Percent', value, timestamp: now };
        out.push({ ...base, dimensions: [{ name: 'InstanceId', value: i.id }] });
        const group = i.tags['aws:autoscaling:groupName'];
        if (group) out.push({ ...base, dimensions: [{ name: 'AutoScalingGroupName', value: group }] });
      }));
      for (const id of last.keys()) if (!seen.has(id)) last.delete(id);
      return out;
    },
  };
}
