import type { ContainerDefinitionDoc, TaskDoc } from './types.ts';

// Container start order (a container definition's dependsOn): START = the dependency has started, HEALTHY = its health
// check passed, COMPLETE = it exited, SUCCESS = it exited 0.

export function dependenciesMet(t: TaskDoc, def: ContainerDefinitionDoc): boolean {
  return (def.dependsOn ?? []).every((d) => {
    const c = t.containers.find((x) => x.name === d.containerName);
    if (!c) return true;
    switch (d.condition) {
      case 'START': return c.lastStatus !== 'PENDING';
      case 'HEALTHY': return c.healthStatus === 'HEALTHY';
      case 'COMPLETE': return c.lastStatus === 'STOPPED';
      case 'SUCCESS': return c.lastStatus === 'STOPPED' && c.exitCode === 0;
    }
    return true;
  });
}

/** A dependency that can no longer be met (exited non-zero for SUCCESS, stopped or unhealthy for HEALTHY). */
export function dependenciesFailed(t: TaskDoc, pending: ContainerDefinitionDoc[]): boolean {
  return pending.some((def) => (def.dependsOn ?? []).some((d) => {
    const c = t.containers.find((x) => x.name === d.containerName);
    if (!c) return false;
    if (d.condition === 'SUCCESS') return c.lastStatus === 'STOPPED' && c.exitCode !== 0;
    if (d.condition === 'HEALTHY') return c.lastStatus === 'STOPPED' || c.healthStatus === 'UNHEALTHY';
    return false;
  }));
}
