// Service deployments (the ECS rolling-update controller) as explicit state machines.
//
// status:        PRIMARY ──(a newer deployment starts)──▶ ACTIVE ──(its last task stopped)──▶ INACTIVE (dropped)
// rolloutState:  IN_PROGRESS ──(desired count healthy, older deployments drained)──▶ COMPLETED
//                IN_PROGRESS ──(circuit breaker: failed tasks ≥ threshold)──▶ FAILED
//
// Only the PRIMARY deployment launches tasks; ACTIVE ones are scaled in as the primary's tasks become healthy, within
// minimumHealthyPercent / maximumPercent of the desired count.

export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

const STATUS_NEXT: Record<DeploymentStatus, DeploymentStatus[]> = { PRIMARY: ['ACTIVE', 'INACTIVE'], ACTIVE: ['INACTIVE'], INACTIVE: [] };
const ROLLOUT_NEXT: Record<RolloutState, RolloutState[]> = { IN_PROGRESS: ['COMPLETED', 'FAILED'], COMPLETED: [], FAILED: [] };

export class IllegalDeploymentTransition extends Error {}

export function moveStatus(d: { status: DeploymentStatus }, to: DeploymentStatus): void {
  if (d.status === to) return;
  if (!STATUS_NEXT[d.status].includes(to)) throw new IllegalDeploymentTransition(`deployment status ${d.status} → ${to}`);
  d.status = to;
}

export function moveRollout(d: { rolloutState: RolloutState; rolloutStateReason: string }, to: RolloutState, reason: string): void {
  if (d.rolloutState === to) return;
  if (!ROLLOUT_NEXT[d.rolloutState].includes(to)) throw new IllegalDeploymentTransition(`rollout ${d.rolloutState} → ${to}`);
  d.rolloutState = to;
  d.rolloutStateReason = reason;
}

/**
 * AWS: the circuit breaker trips after this many failed tasks in a deployment (0.5 × desired count, at least 3,
 * at most 200).
 */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}

/** ECS deployment ids: `ecs-svc/` and 19 digits. */
export function deploymentId(): string {
  let s = String(1 + Math.floor(Math.random() * 9));
  for (let i = 0; i < 18; i++) s += String(Math.floor(Math.random() * 10));
  return `ecs-svc/${s}`;
}
