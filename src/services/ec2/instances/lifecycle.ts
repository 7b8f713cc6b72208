import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExitInfo, VolumeMount, WorkloadSpec } from '../../../drivers/driver.ts';
import { DriverUnavailableError } from '../../../drivers/routing.ts';
import { instanceType } from '../catalog/instance-types.ts';
import type { Ec2Deps } from '../deps.ts';
import { canMove, type InstanceState } from '../domain/instance-state.ts';
import { ingressFor, scheduleFirewallRefresh } from '../security-groups.ts';
import type { InstanceRow, VolumeRow } from '../store.ts';
import { macFor, parseCidr } from '../../../engines/network/ipam.ts';
import { meterOpen, onStateChange } from './state-change.ts';

// Glue between the instance rows (the API's view) and the compute engine (what really runs).
// Every state change is one transaction; the workload is started/stopped after the change commits,
// so an acknowledged RunInstances is never lost even if Nimbus dies before the workload starts.

export function volumeDir(d: Ec2Deps, volumeId: string): string {
  const dir = join(d.dataDir, 'volumes', volumeId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where an EBS device appears inside an instance: /dev/sdf → /mnt/sdf (root volume → /root). */
export function mountPathFor(device: string, root: boolean): string {
  return root ? '/root' : `/mnt/${device.replace(/^\/dev\//, '')}`;
}

export function volumeMount(d: Ec2Deps, v: VolumeRow): VolumeMount {
  return { volumeId: v.id, hostPath: volumeDir(d, v.id), mountPath: mountPathFor(v.device ?? '', v.device === '/dev/xvda'), sizeGiB: v.size_gib, device: v.device ?? undefined };
}

export function userDataOf(row: InstanceRow): Buffer | undefined {
  return row.user_data ? Buffer.from(row.user_data, 'base64') : undefined;
}

export function workloadSpec(d: Ec2Deps, row: InstanceRow): WorkloadSpec {
  const type = instanceType(row.instance_type)!;
  const stateDir = join(d.dataDir, 'instances', row.id);
  mkdirSync(stateDir, { recursive: true });
  return {
    id: row.id,
    hostname: `ip-${row.private_ip.replace(/\./g, '-')}`,
    vcpus: type.vcpus,
    memoryMiB: type.memoryMiB,
    stateDir,
    userData: userDataOf(row),
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      // Lets SDKs inside the instance find IMDS and the Nimbus API (AWS has both at fixed places).
      AWS_EC2_METADATA_SERVICE_ENDPOINT: d.metadataEndpoint,
      AWS_ENDPOINT_URL: d.apiEndpoint,
      AWS_REGION: row.region,
    },
    network: { ip: row.private_ip, prefixLength: parseCidr(d.vpcCidr).prefix, gateway: d.gateway, mac: macFor(row.private_ip) },
    ingress: ingressFor(d, row),
    volumes: d.store.volumesOf(row.id).filter((v) => v.attach_state === 'attached').map((v) => volumeMount(d, v)),
    // The driver its AMI named at launch ('vm' for the microVM AMI); undefined: the server's default driver.
    driver: row.driver ?? undefined,
  };
}

export function reason(code: string, message: string) {
  return { state_reason_code: code, state_reason_message: `${code}: ${message}` };
}

export function userInitiated(ms: number): string {
  return `User initiated (${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
}

/**
 * Moves an instance to a state if the state machine allows it from where it is now. The one place instance states
 * change: metering and the spot request follow in the same transaction (state-change.ts). Stopping or terminating
 * drops any pending spot interruption notice.
 */
export function move(d: Ec2Deps, id: string, to: InstanceState, extra: Partial<InstanceRow> = {}): boolean {
  return d.store.tx(() => {
    const row = d.store.instance(id);
    if (!row || !canMove(row.state as InstanceState, to)) return false;
    const now = d.clock.now();
    const fields: Partial<InstanceRow> = {
      state: to, updated_at: now, ...(to === 'terminated' ? { terminated_at: now } : {}),
      // (running → pending is the reboot after a restart: the notice stands, its deadline too.)
      ...(row.state === 'running' && to !== 'running' && to !== 'pending' ? { instance_action_json: null, interruption_at: null } : {}),
      ...extra,
    };
    d.store.updateInstance(id, fields);
    onStateChange(d, row, { ...row, ...fields }, now);
    return true;
  });
}

export class InstanceLifecycle {
  /** Run once reconcile() has finished (e.g. the spot market starts its timer only then). */
  readonly afterReconcile: (() => void)[] = [];

  constructor(private d: Ec2Deps) {
    d.compute.on({ exited: (info) => void this.onExit(info) });
  }

  /** Boots the workload of a pending instance; marks it running, or terminated when it cannot start. */
  async boot(id: string): Promise<void> {
    const d = this.d;
    const row = d.store.instance(id);
    if (!row || row.state !== 'pending') return;
    try {
      const handle = await d.compute.start(workloadSpec(d, row));
      const ok = move(d, id, 'running', { driver_token: JSON.stringify(handle), state_reason_code: null, state_reason_message: null });
      if (!ok) {
        // Stopped or terminated while booting: the API already answered, so honour that.
        await d.compute.stop(id, 0);
        return;
      }
      scheduleFirewallRefresh(d, JSON.parse(row.security_group_ids));
    } catch (err) {
      d.log.error({ err, id }, 'instance failed to start');
      move(d, id, 'shutting-down', reason('Server.InternalError', `Nimbus could not start the instance: ${(err as Error).message}`));
      this.finishTerminate(id);
    }
  }

  async stop(id: string, graceMs: number): Promise<void> {
    const d = this.d;
    await d.compute.stop(id, graceMs);
    move(d, id, 'stopped');
    const row = d.store.instance(id);
    if (row) scheduleFirewallRefresh(d, JSON.parse(row.security_group_ids));
  }

  async terminate(id: string, graceMs: number): Promise<void> {
    await this.d.compute.stop(id, graceMs);
    this.finishTerminate(id);
    const row = this.d.store.instance(id);
    if (row) scheduleFirewallRefresh(this.d, JSON.parse(row.security_group_ids));
  }

  private finishTerminate(id: string): void {
    const d = this.d;
    d.store.tx(() => {
      move(d, id, 'terminated');
      for (const v of d.store.volumesOf(id)) {
        if (v.delete_on_termination) d.store.deleteVolume(v.id);
        else d.store.updateVolume(v.id, { state: 'available', instance_id: null, device: null, attach_state: null, attach_time: null });
      }
    });
  }

  async reboot(id: string): Promise<void> {
    const d = this.d;
    const row = d.store.instance(id);
    if (!row) return;
    d.compute.console(id, 'reboot: Restarting system');
    await d.compute.stop(id, 2000);
    const handle = await d.compute.start(workloadSpec(d, row));
    d.store.updateInstance(id, { driver_token: JSON.stringify(handle), updated_at: d.clock.now() });
  }

  private async onExit(info: ExitInfo): Promise<void> {
    const d = this.d;
    const row = d.store.instance(info.id);
    if (!row || row.state !== 'running') return;
    const why = info.oomKilled
      ? reason('Client.InstanceInitiatedShutdown', 'the instance init was killed by the OOM killer (memory limit reached)')
      : reason('Client.InstanceInitiatedShutdown', `Instance initiated shutdown (init exited with ${info.signal ?? info.code})`);
    const transition = `${why.state_reason_code} (${new Date(d.clock.now()).toISOString()})`;
    if (row.shutdown_behavior === 'terminate') {
      move(d, info.id, 'shutting-down', { ...why, state_transition_reason: transition });
      this.finishTerminate(info.id);
    } else {
      move(d, info.id, 'stopping', { ...why, state_transition_reason: transition });
      move(d, info.id, 'stopped');
    }
    await d.compute.stop(info.id, 0).catch(() => undefined);
    scheduleFirewallRefresh(d, JSON.parse(row.security_group_ids));
  }

  /**
   * After a restart (clean or kill -9): adopt workloads that are still running, boot again the ones
   * that should run but are gone (the "host" rebooted), and finish transitions that were under way.
   */
  async reconcile(): Promise<{ adopted: number; rebooted: number; finished: number }> {
    const d = this.d;
    const out = { adopted: 0, rebooted: 0, finished: 0 };
    for (const row of d.store.liveInstances()) {
      const spec = workloadSpec(d, row);
      const handle = row.driver_token ? JSON.parse(row.driver_token) : undefined;
      // An instance whose driver this Nimbus cannot run (the VM driver turned off or broken since it was launched)
      // is left exactly as it is — its VM may well still be running — rather than booted again and, failing
      // that, terminated with its root volume.
      let why = row.driver ? d.driverUnavailable?.(row.driver) : undefined;
      let alive = false;
      if (!why) {
        try {
          alive = handle ? await d.compute.adopt(handle, spec) : false;
        } catch (err) {
          // (A lazily set-up driver finds out only now, at its first use.)
          if (err instanceof DriverUnavailableError) why = err.reason;
        }
      }
      if (why) {
        d.log.warn({ id: row.id, driver: row.driver, why }, 'instance left alone: its driver is unavailable');
        continue;
      }
      if (row.state === 'running' || row.state === 'pending') {
        if (alive) {
          move(d, row.id, 'running');
          // Idempotent: keeps the interval opened before the restart (or opens one for rows older than metering).
          meterOpen(d, d.store.instance(row.id)!, d.clock.now());
          out.adopted++;
        } else {
          if (row.state === 'running') {
            move(d, row.id, 'pending');
            out.rebooted++;
          }
          await this.boot(row.id);
        }
      } else if (row.state === 'stopping') {
        await this.stop(row.id, 0);
        out.finished++;
      } else if (row.state === 'shutting-down') {
        await this.terminate(row.id, 0);
        out.finished++;
      }
    }
    for (const f of this.afterReconcile) f();
    return out;
  }
}
