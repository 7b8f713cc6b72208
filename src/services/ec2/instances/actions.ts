import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ec2Deps, Scope } from '../deps.ts';
import { assertAllowed, type InstanceState } from '../domain/instance-state.ts';
import { OperationNotPermitted, UnsupportedOperation } from '../errors.ts';
import { assertDriverAvailable } from '../images.ts';
import { findInstances } from './describe.ts';
import { move, reason, userInitiated, type InstanceLifecycle } from './lifecycle.ts';
import { placeForStart } from './placement.ts';
import { stateShape } from './shape.ts';

type Ids = { InstanceIds: string[]; Force?: boolean };

/** Each action checks every instance first (all or nothing, like AWS), then commits, then acts. */
export function actionHandlers(d: Ec2Deps, lifecycle: InstanceLifecycle, graceMs: number) {
  const change = (prev: string, id: string) => ({ InstanceId: id, PreviousState: stateShape(prev as InstanceState), CurrentState: stateShape(d.store.instance(id)!.state as InstanceState) });
  return {
    StartInstances(input: Ids, ctx: Scope) {
      const rows = findInstances(d, ctx, input.InstanceIds);
      rows.forEach((r) => assertAllowed('start', r.id, r.state as InstanceState));
      // A VM AMI's instance stopped while the VM driver was available, started where it is not: refused, not booted.
      for (const r of rows) if (r.state === 'stopped') assertDriverAvailable(d, r.driver, r.image_id);
      // All or nothing: host-tenancy instances need room on a host (theirs, or another by auto-placement).
      const starting = d.store.tx(() => rows.filter((r) => r.state === 'stopped').map((r) => {
        const host = r.tenancy === 'host' ? { host_id: placeForStart(d, r) } : {};
        move(d, r.id, 'pending', { state_transition_reason: '', state_reason_code: null, state_reason_message: null, launch_time: d.clock.now(), ...host });
        return r.id;
      }));
      for (const id of starting) void lifecycle.boot(id);
      return { StartingInstances: rows.map((r) => change(r.state, r.id)) };
    },
    StopInstances(input: Ids, ctx: Scope) {
      const rows = findInstances(d, ctx, input.InstanceIds);
      rows.forEach((r) => assertAllowed('stop', r.id, r.state as InstanceState));
      for (const r of rows) {
        const req = r.spot_request_id ? d.store.spotRequest(r.spot_request_id) : undefined;
        if (req?.type === 'one-time') {
          throw new UnsupportedOperation(`You can't stop the Spot Instance '${r.id}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`);
        }
      }
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
