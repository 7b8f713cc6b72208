import { IncorrectInstanceState } from '../errors.ts';

// The EC2 instance lifecycle as an explicit state machine (docs: ec2-instance-lifecycle).
// Every API action asks `transition()` first, so illegal moves are rejected in one place.

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export const STATE_CODES: Record<InstanceState, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

export type InstanceAction = 'start' | 'stop' | 'reboot' | 'terminate' | 'modify-type' | 'create-image';

/** Which states each action may be applied in. */
const ALLOWED: Record<InstanceAction, InstanceState[]> = {
  // AWS: StartInstances on a running instance is a no-op success; on pending too.
  start: ['stopped', 'running', 'pending'],
  // AWS: StopInstances on a stopped/stopping instance succeeds without change.
  stop: ['pending', 'running', 'stopping', 'stopped'],
  reboot: ['running'],
  // AWS: terminating a terminated instance succeeds (idempotent).
  terminate: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'],
  'modify-type': ['stopped'],
  'create-image': ['running', 'stopped'],
};

export function assertAllowed(action: InstanceAction, instanceId: string, state: InstanceState): void {
  if (ALLOWED[action].includes(state)) return;
  const verb: Record<InstanceAction, string> = {
    start: 'started', stop: 'stopped', reboot: 'rebooted', terminate: 'terminated', 'modify-type': 'modified', 'create-image': 'imaged',
  };
  if (action === 'modify-type') {
    throw new IncorrectInstanceState(`The instance '${instanceId}' is not in the 'stopped' state.`);
  }
  throw new IncorrectInstanceState(`The instance '${instanceId}' is not in a state from which it can be ${verb[action]}.`);
}

/** The engine-driven transitions (not API actions): what the workload reports. */
const NEXT: Record<InstanceState, InstanceState[]> = {
  pending: ['running', 'stopping', 'shutting-down', 'stopped'],
  running: ['stopping', 'shutting-down', 'pending', 'stopped'],
  stopping: ['stopped', 'shutting-down'],
  stopped: ['pending', 'shutting-down'],
  'shutting-down': ['terminated'],
  terminated: [],
};

export function canMove(from: InstanceState, to: InstanceState): boolean {
  return from === to || NEXT[from].includes(to);
}
