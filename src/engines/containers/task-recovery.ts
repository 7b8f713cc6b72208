import { statSync } from 'node:fs';
import type { ContainerEngine } from './engine.ts';
import { isDone } from './task-state.ts';

// After a Nimbus restart (clean or kill -9): tasks whose containers still run are adopted — the runtime watches them
// again, logs are forwarded from where their output file is now, health checks resume — and everything else that was
// not STOPPED is stopped through the normal stop flow (targets deregistered, sandbox leftovers freed).
// AWS: tasks do not notice a control-plane restart. Here: the same, as long as the containers kept running.

export async function recoverTasks(e: ContainerEngine): Promise<void> {
  const runtime = e.o.runtime;
  const runner = e.runner;
  const available = runtime.capabilities().available;
  for (const t of e.tasks.values()) {
    if (isDone(t.lastStatus)) continue;
    const alive = available && t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING' && t.sandboxToken
      && (await runtime.adoptSandbox(runner.sandboxSpec(t), t.sandboxToken).catch(() => false));
    if (alive) {
      const td = e.taskDefinitions.get(t.taskDefinitionArn);
      let essentialGone = false;
      for (const c of t.containers) {
        if (c.lastStatus !== 'RUNNING' || !c.token) continue;
        const def = td?.containerDefinitions.find((d) => d.name === c.name);
        // The runtime only needs the container's name, user and environment to watch and exec into it.
        const spec = { name: c.name, image: 'host' as const, args: [], env: Object.fromEntries((def?.environment ?? []).map((x) => [x.name, x.value])), cwd: '/' };
        if (def && (await runtime.adoptContainer(t.id, spec, c.token))) {
          const file = runtime.outputFile(t.id, c.name);
          let offset = 0;
          try {
            offset = file ? statSync(file).size : 0;
          } catch {
            /* nothing written yet */
          }
          runner.watchContainer(t, def, c, offset);
        } else {
          c.lastStatus = 'STOPPED';
          c.exitCode = runtime.recordedExitCode(c.token) ?? undefined;
          if (def?.essential !== false) essentialGone = true;
        }
      }
      e.saveTask(t);
      if (essentialGone) runner.stop(t, 'EssentialContainerExited', 'Essential container in task exited');
      continue;
    }
    // Mid-way, or its containers ended while Nimbus was down: adopt what is left of the sandbox so the stop flow frees it.
    if (t.sandboxToken && available) await runtime.adoptSandbox(runner.sandboxSpec(t), t.sandboxToken).catch(() => false);
    t.desiredStatus = 'STOPPED';
    t.stopCode ??= t.lastStatus === 'RUNNING' ? 'EssentialContainerExited' : 'TaskFailedToStart';
    t.stoppedReason ??= available ? 'Task stopped: Nimbus restarted and its containers were no longer running' : 'Task stopped: Nimbus restarted without a container runtime';
    runner.flow(t, () => runner.stopNow(t));
  }
}
