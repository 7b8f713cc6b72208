// The ECS task lifecycle as an explicit state machine (AWS's documented lastStatus values, in order):
//
//   PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED
//
// PROVISIONING: resources before the containers (here: the task's private IP and its sandbox — cgroup, network
//               namespace, veth, firewall). PENDING: images resolved and containers started. ACTIVATING: the task
//               registers with its load balancer target groups. DEACTIVATING: it deregisters (and drains).
//               STOPPING: containers get their stop signal, then SIGKILL after stopTimeout. DEPROVISIONING: the
//               sandbox and IP are released. A task can skip ahead (a failure in PENDING goes straight to STOPPING;
//               a task without a load balancer passes ACTIVATING/DEACTIVATING at once) but never goes back.

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';

export const TASK_STATUSES: TaskStatus[] = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];

const NEXT: Record<TaskStatus, TaskStatus[]> = {
  PROVISIONING: ['PENDING', 'DEPROVISIONING', 'STOPPED'],
  PENDING: ['ACTIVATING', 'STOPPING', 'DEPROVISIONING'],
  ACTIVATING: ['RUNNING', 'DEACTIVATING', 'STOPPING'],
  RUNNING: ['DEACTIVATING', 'STOPPING'],
  DEACTIVATING: ['STOPPING'],
  STOPPING: ['DEPROVISIONING'],
  DEPROVISIONING: ['STOPPED'],
  STOPPED: [],
};

export class IllegalTaskTransition extends Error {
  constructor(readonly from: TaskStatus, readonly to: TaskStatus) {
    super(`illegal task transition ${from} → ${to}`);
  }
}

export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return NEXT[from].includes(to);
}

/** The one place task states change: throws on a move the lifecycle does not allow. */
export function assertMove(from: TaskStatus, to: TaskStatus): void {
  if (!canMove(from, to)) throw new IllegalTaskTransition(from, to);
}

/** Statuses ListTasks(desiredStatus=RUNNING) and the service scheduler count as "alive". */
export const isStarting = (s: TaskStatus) => s === 'PROVISIONING' || s === 'PENDING' || s === 'ACTIVATING';
export const isStopping = (s: TaskStatus) => s === 'DEACTIVATING' || s === 'STOPPING' || s === 'DEPROVISIONING';
export const isDone = (s: TaskStatus) => s === 'STOPPED';
