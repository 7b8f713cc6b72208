import type { Ec2Deps } from '../deps.ts';
import { spotInstanceChanged } from '../spot/status.ts';
import type { InstanceRow } from '../store.ts';

// What follows every instance state change, inside the change's own transaction (move() in lifecycle.ts is the one
// caller): usage metering — one interval per stay in `running` — and the spot request's status.

/** Opens the instance's usage interval (idempotent: a no-op when one is open, e.g. after a restart). */
export function meterOpen(d: Ec2Deps, row: InstanceRow, atMs: number): void {
  d.billing.meter.open({
    account: row.account, region: row.region, az: row.az, kind: 'instance', resourceId: row.id, instanceType: row.instance_type,
    market: row.market, tenancy: row.tenancy, hostId: row.host_id ?? undefined, startMs: atMs,
  });
}

export function onStateChange(d: Ec2Deps, before: InstanceRow, after: InstanceRow, atMs: number): void {
  if (before.state !== 'running' && after.state === 'running') meterOpen(d, after, atMs);
  if (before.state === 'running' && after.state !== 'running') d.billing.meter.close(after.id, atMs);
  if (after.spot_request_id) spotInstanceChanged(d, before, after);
}
