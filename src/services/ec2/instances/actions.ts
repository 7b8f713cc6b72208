import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ec2Deps, Scope } from '../deps.ts';
import { assertAllowed, type InstanceState } from '../domain/instance-state.ts';
import { OperationNotPermitted } from '../errors.ts';
import { findInstances } from './describe.ts';
import { move, reason, userInitiated, type InstanceLifecycle } from './lifecycle.ts';
import { stateShape } from './shape.ts';

type Ids = { InstanceIds: string[]; Force?: boolean };

/** Each action checks every instance first (all or nothing, like AWS), then commits, then acts. */
export function actionHandlers(d: Ec2Deps, lifecycle: InstanceLifecycle, graceMs: number) {
  const change = (prev: string, id: string) => ({ InstanceId: id, PreviousState: stateShape(prev as InstanceState), CurrentState: stateShape(d.store.instance(id)!.state as InstanceState) });
  return {
    StartInstances(input: Ids, ctx: Scope) {
      const rows = findInstances(d, ctx, input.InstanceIds);
      rows.forEach((r) => assertAllowed('start', r.id, r.state as InstanceState));
      const out = rows.map((r) => {
        if (r.state === 'stopped') {
          move(d, r.id, 'pending', { state_transition_reason: '', state_reason_code: null, state_reason_message: null, launch_time: d.clock.now() });
          void lifecycle.boot(r.id);
        }
        return change(r.state, r.id);
      });
      return { StartingInstances: out };
    },
    StopInstances(input: Ids, ctx: Scope) {
      const rows = findInstances(d, ctx, input.InstanceIds);
      rows.forEach((r) => assertAllowed('stop', r.id, r.state as InstanceState));
      const out = rows.map((r) => {
        if (r.state === 'running' || r.state === 'pending') {
          move(d, r.id, 'stopping', { state_transition_reason: userInitiated(d.clock.now()), ...reason('Client.UserInitiatedShutdown', 'User initiated shutdown') });
          void lifecycle.stop(r.id, input.Force ? 0 : graceMs);
        }
        return change(r.state, r.id);
      });
      return { StoppingInstances: out };
    },
    RebootInstances(input: Ids, ctx: Scope) {
      const rows = findInstances(d, ctx, input.InstanceIds);
      rows.forEach((r) => assertAllowed('reboot', r.id, r.state as InstanceState));
      for (const r of rows) void lifecycle.reboot(r.id);
      return {};
    },
    TerminateInstances(input: Ids, ctx: Scope) {
      const rows = findInstances(d, ctx, input.InstanceIds);
      const locked = rows.find((r) => r.disable_api_termination);
      if (locked) throw new OperationNotPermitted(`The instance '${locked.id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`);
      const out = rows.map((r) => {
        if (r.state !== 'terminated' && r.state !== 'shutting-down') {
          move(d, r.id, 'shutting-down', { state_transition_reason: userInitiated(d.clock.now()), ...reason('Client.UserInitiatedShutdown', 'User initiated shutdown') });
          void lifecycle.terminate(r.id, r.state === 'stopped' ? 0 : graceMs);
        }
        return change(r.state, r.id);
      });
      return { TerminatingInstances: out };
    },
    GetConsoleOutput(input: { InstanceId: string; Latest?: boolean }, ctx: Scope) {
      const [r] = findInstances(d, ctx, [input.InstanceId]);
      let text = '';
      try {
        text = readFileSync(join(d.dataDir, 'instances', r.id, 'console.log'), 'utf8');
      } catch {
        text = '';
      }
      // AWS returns the last 64 KB of console output, base64-encoded.
      const buf = Buffer.from(text).subarray(-64 * 1024);
      return { InstanceId: r.id, Timestamp: new Date(d.clock.now()), Output: buf.length ? buf.toString('base64') : undefined };
    },
  };
}
