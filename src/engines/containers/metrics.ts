import { lastPart } from './arns.ts';
import type { ContainerEngine } from './engine.ts';
import { TaskRunner } from './task-runner.ts';

// AWS/ECS CPUUtilization and MemoryUtilization (percent of what the tasks reserve), per ClusterName + ServiceName and
// per ClusterName, from each running task's cgroup: CPU time between two collections ÷ (wall time × task vCPUs), and
// memory in use ÷ task memory. One datum per task, so a service's Average is the mean over its tasks (AWS divides
// the sum used by the sum reserved — the same for tasks of one size). What Application Auto Scaling's
// ECSServiceAverageCPUUtilization / ECSServiceAverageMemoryUtilization track.

export interface SourceDatum {
  account: string;
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
  timestamp: number;
  unit: string;
  value: number;
}

export function ecsMetricsSource(e: ContainerEngine): { name: string; collect(now: number): Promise<SourceDatum[]> } {
  const last = new Map<string, { cpu: number; at: number }>();
  return {
    name: 'ecs',
    async collect(now: number): Promise<SourceDatum[]> {
      const out: SourceDatum[] = [];
      const seen = new Set<string>();
      const running = [...e.tasks.values()].filter((t) => t.lastStatus === 'RUNNING');
      await Promise.all(running.map(async (t) => {
        seen.add(t.arn);
        const st = await e.o.runtime.stats(t.id).catch(() => undefined);
        if (!st) return;
        const prev = last.get(t.arn);
        last.set(t.arn, { cpu: st.cpuUsageMicros, at: now });
        const cluster = lastPart(t.clusterArn);
        const dims = t.serviceName ? [[{ name: 'ClusterName', value: cluster }, { name: 'ServiceName', value: t.serviceName }], [{ name: 'ClusterName', value: cluster }]] : [[{ name: 'ClusterName', value: cluster }]];
        const base = { account: t.account, region: t.region, namespace: 'AWS/ECS', timestamp: now, unit: 'Percent' };
        const memLimit = (Number(t.memory) || 512) * 1024 * 1024;
        const mem = Math.round(Math.min(100, (st.memoryBytes / memLimit) * 100) * 1000) / 1000;
        for (const d of dims) out.push({ ...base, metricName: 'MemoryUtilization', dimensions: d, value: mem });
        if (!prev || now <= prev.at || st.cpuUsageMicros < prev.cpu) return;
        const cpu = ((st.cpuUsageMicros - prev.cpu) / 1000 / ((now - prev.at) * TaskRunner.vcpusOf(t))) * 100;
        const value = Math.round(Math.min(100, Math.max(0, cpu)) * 1000) / 1000;
        for (const d of dims) out.push({ ...base, metricName: 'CPUUtilization', dimensions: d, value });
      }));
      for (const k of last.keys()) if (!seen.has(k)) last.delete(k);
      return out;
    },
  };
}
