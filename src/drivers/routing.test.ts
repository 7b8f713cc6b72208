import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Driver, DriverCapabilities, ExitInfo, WorkloadHandle, WorkloadSpec } from './driver.ts';
import { encodeHandleToken } from './handle-token.ts';
import { DriverUnavailableError, RoutingDriver } from './routing.ts';

// The routing driver (per-AMI drivers, issue 8) over small fake drivers: which driver gets each call.

class FakeDriver implements Driver {
  calls: string[] = [];
  running = new Set<string>();
  listeners: ((info: ExitInfo) => void)[] = [];
  shutdowns: string[];
  constructor(readonly name: string, private o: { failInit?: string; shutdownLog?: string[]; tokenDriver?: string; adoptable?: Set<string> } = {}) {
    this.shutdowns = o.shutdownLog ?? [];
  }
  async init(): Promise<DriverCapabilities> {
    this.calls.push('init');
    if (this.o.failInit) throw new Error(this.o.failInit);
    return this.capabilities();
  }
  capabilities(): DriverCapabilities {
    return { driver: this.name, isolation: 'namespaces', resourceLimits: true, privateNetwork: true, firewall: true, warnings: [`${this.name} warning`] };
  }
  async start(spec: WorkloadSpec): Promise<WorkloadHandle> {
    this.calls.push(`start ${spec.id}`);
    this.running.add(spec.id);
    const token = encodeHandleToken(this.o.tokenDriver ? { v: 1, driver: this.o.tokenDriver, pid: 2 } : { v: 1, mode: 'namespaces', pid: 2 });
    return { id: spec.id, pid: 2, token };
  }
  async stop(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    this.running.delete(id);
  }
  async adopt(handle: WorkloadHandle, spec: WorkloadSpec): Promise<boolean> {
    this.calls.push(`adopt ${spec.id}`);
    const ok = this.o.adoptable?.has(spec.id) ?? true;
    if (ok) this.running.add(spec.id);
    return ok;
  }
  isRunning(id: string): boolean {
    return this.running.has(id);
  }
  onExit(listener: (info: ExitInfo) => void): void {
    this.listeners.push(listener);
  }
  exit(id: string): void {
    this.running.delete(id);
    for (const l of this.listeners) l({ id, code: 0, signal: null, oomKilled: false });
  }
  async exec(id: string) {
    this.calls.push(`exec ${id}`);
    return { code: 0, stdout: this.name, stderr: '' };
  }
  shellCommand(id: string): string[] {
    return [this.name, id];
  }
  async setIngress(id: string): Promise<void> {
    this.calls.push(`ingress ${id}`);
  }
  async attachVolume(id: string): Promise<void> {
    this.calls.push(`attach ${id}`);
  }
  async detachVolume(id: string): Promise<void> {
    this.calls.push(`detach ${id}`);
  }
  async flushVolumes(id: string): Promise<void> {
    this.calls.push(`flush ${id}`);
  }
  async stats(id: string) {
    this.calls.push(`stats ${id}`);
    return { cpuUsageMicros: 0, memoryBytes: 0, memoryLimitBytes: this.name === 'vm' ? 2 : 1, oomKills: 0 };
  }
  async shutdown(): Promise<void> {
    this.shutdowns.push(this.name);
  }
}

const spec = (id: string, driver?: string): WorkloadSpec => ({
  id, hostname: id, vcpus: 1, memoryMiB: 64, stateDir: '/nonexistent', env: {}, ingress: [], volumes: [], driver,
});

async function router(o: { vmFails?: string; vmMissing?: string; adoptable?: Set<string> } = {}) {
  const order: string[] = [];
  const proc = new FakeDriver('process', { shutdownLog: order, adoptable: o.adoptable });
  const vm = new FakeDriver('vm', { shutdownLog: order, tokenDriver: 'vm', failInit: o.vmFails, adoptable: o.adoptable });
  const r = new RoutingDriver({
    default: proc,
    optional: { vm: o.vmMissing ? { unavailable: o.vmMissing, hint: 'Install: apt-get install qemu' } : { driver: vm, hint: 'Install: apt-get install qemu' } },
  });
  await r.init();
  return { r, proc, vm, order };
}

describe('routing driver', () => {
  test('start goes to spec.driver (default when unset); every per-id call follows the workload', async () => {
    const { r, proc, vm } = await router();
    await r.start(spec('i-p'));
    await r.start(spec('i-v', 'vm'));
    await r.start(spec('i-p2', 'process'));
    assert.deepEqual(proc.calls, ['init', 'start i-p', 'start i-p2']);
    assert.deepEqual(vm.calls, ['init', 'start i-v']);
    assert.equal(r.isRunning('i-v'), true);
    assert.equal(r.isRunning('i-p'), true);
    assert.equal((await r.exec('i-v', ['true'])).stdout, 'vm');
    assert.equal((await r.exec('i-p', ['true'])).stdout, 'process');
    assert.deepEqual(r.shellCommand('i-v'), ['vm', 'i-v']);
    assert.equal((await r.stats('i-v'))?.memoryLimitBytes, 2);
    await r.setIngress('i-v', []);
    await r.attachVolume('i-v', { volumeId: 'vol-1', hostPath: '/x', mountPath: '/mnt/x' });
    await r.detachVolume('i-v', { volumeId: 'vol-1', hostPath: '/x', mountPath: '/mnt/x' });
    await r.flushVolumes('i-v');
    await r.stop('i-v');
    assert.deepEqual(vm.calls.slice(2), ['exec i-v', 'stats i-v', 'ingress i-v', 'attach i-v', 'detach i-v', 'flush i-v', 'stop i-v']);
    assert.equal(r.isRunning('i-v'), false);
    // Stopped: the id is nobody's any more; started again, it goes where its spec says.
    await r.start(spec('i-v', 'vm'));
    assert.equal(vm.calls.at(-1), 'start i-v');
    assert.equal(r.name, 'process');
  });

  test('capabilities are the default driver\'s plus the optional drivers\' warnings', async () => {
    const { r } = await router();
    const c = r.capabilities();
    assert.equal(c.driver, 'process');
    assert.deepEqual(c.warnings, ['process warning', 'vm driver: vm warning']);
    assert.deepEqual(r.available(), ['process', 'vm']);
  });

  test('adopt picks the driver from the handle token, else from spec.driver, else the default', async () => {
    const { r, proc, vm } = await router();
    const vmToken = encodeHandleToken({ v: 1, driver: 'vm', pid: 3, start: 1, run: '/run/x' });
    const procToken = encodeHandleToken({ v: 1, mode: 'namespaces', pid: 4, start: 1 });
    // The token names the vm driver: it wins over a spec that says nothing (or something else).
    assert.equal(await r.adopt({ id: 'i-a', pid: 3, token: vmToken }, spec('i-a')), true);
    assert.equal(await r.adopt({ id: 'i-b', pid: 4, token: procToken }, spec('i-b', 'vm')), true);
    assert.equal(await r.adopt({ id: 'i-c', pid: 4, token: procToken }, spec('i-c')), true);
    assert.equal(await r.adopt({ id: 'i-d', pid: 4, token: 'not base64 json' }, spec('i-d', 'process')), true);
    assert.deepEqual(vm.calls.slice(1), ['adopt i-a', 'adopt i-b']);
    assert.deepEqual(proc.calls.slice(1), ['adopt i-c', 'adopt i-d']);
    await r.exec('i-a', ['true']);
    assert.equal(vm.calls.at(-1), 'exec i-a');
  });

  test('a workload that is gone at adopt is nobody\'s', async () => {
    const { r, proc, vm } = await router({ adoptable: new Set() });
    const vmToken = encodeHandleToken({ v: 1, driver: 'vm', pid: 3, start: 1, run: '/run/x' });
    assert.equal(await r.adopt({ id: 'i-a', pid: 3, token: vmToken }, spec('i-a', 'vm')), false);
    await r.stop('i-a');
    assert.equal(proc.calls.at(-1), 'stop i-a', 'unknown ids go to the default driver');
    assert.equal(vm.calls.at(-1), 'adopt i-a');
  });

  test('exits of every driver fan in to the listeners', async () => {
    const { r, proc, vm } = await router();
    const seen: string[] = [];
    r.onExit((i) => seen.push(i.id));
    r.onExit((i) => seen.push(`again ${i.id}`));
    await r.start(spec('i-p'));
    await r.start(spec('i-v', 'vm'));
    vm.exit('i-v');
    proc.exit('i-p');
    assert.deepEqual(seen, ['i-v', 'again i-v', 'i-p', 'again i-p']);
  });

  test('an unknown driver, or one that is unavailable, is an error that says why', async () => {
    const { r } = await router({ vmMissing: 'qemu-system-x86_64 not found' });
    await assert.rejects(r.start(spec('i-x', 'hyperv')), (err: Error) => {
      assert.ok(err instanceof DriverUnavailableError);
      assert.match(err.message, /the hyperv driver is not available: no driver named 'hyperv' \(known: process\)/);
      return true;
    });
    await assert.rejects(r.start(spec('i-v', 'vm')), /the vm driver is not available: qemu-system-x86_64 not found\. Install: apt-get install qemu/);
    assert.equal(r.unavailable('process'), undefined);
    assert.match(r.unavailable('vm')!, /qemu-system-x86_64 not found\. Install: apt-get install qemu/);
    assert.match(r.capabilities().warnings.join('\n'), /the vm driver is unavailable: qemu-system-x86_64 not found\. Install: apt-get install qemu/);
    // The default still works.
    await r.start(spec('i-p'));
    assert.equal(r.isRunning('i-p'), true);
    // adopt of a VM whose driver is gone cannot be routed either.
    await assert.rejects(r.adopt({ id: 'i-v', pid: 3, token: encodeHandleToken({ v: 1, driver: 'vm', pid: 3 }) }, spec('i-v', 'vm')), DriverUnavailableError);
  });

  test('an optional driver whose init fails is left out with a warning; shutdown goes vm first, then process', async () => {
    const { r, vm, order } = await router({ vmFails: 'no /dev/net/tun' });
    assert.deepEqual(vm.calls, ['init']);
    assert.deepEqual(order, ['vm'], 'the failed driver was shut down');
    assert.match(r.unavailable('vm')!, /^no \/dev\/net\/tun\. Install: apt-get install qemu$/);
    await assert.rejects(r.start(spec('i-v', 'vm')), DriverUnavailableError);
    order.length = 0;
    await r.shutdown({ stopWorkloads: false });
    assert.deepEqual(order, ['process']);

    const ok = await router();
    ok.order.length = 0;
    await ok.r.shutdown({ stopWorkloads: true });
    assert.deepEqual(ok.order, ['vm', 'process']);
  });

  test('requires(): an optional driver that cannot work alongside the default is not even initialised', async () => {
    const vm = new FakeDriver('vm');
    const r = new RoutingDriver({ default: new FakeDriver('process'), optional: { vm: { driver: vm, requires: (c) => (c.isolation === 'none' ? undefined : 'needs plain mode') } } });
    await r.init();
    assert.deepEqual(vm.calls, []);
    assert.equal(r.unavailable('vm'), 'needs plain mode');
  });

  test('a lazy optional driver is initialised by its first workload, once; a failed lazy init fails that workload and leaves it out', async () => {
    const order: string[] = [];
    const vm = new FakeDriver('vm', { shutdownLog: order, tokenDriver: 'vm' });
    const r = new RoutingDriver({ default: new FakeDriver('process', { shutdownLog: order }), optional: { vm: { driver: vm, lazy: true } } });
    await r.init();
    assert.deepEqual(vm.calls, [], 'not initialised at start-up');
    assert.equal(r.unavailable('vm'), undefined, 'but offered');
    await r.start(spec('i-p'));
    assert.deepEqual(vm.calls, [], 'a default-driver workload does not wake it');
    await Promise.all([r.start(spec('i-v1', 'vm')), r.start(spec('i-v2', 'vm'))]);
    assert.deepEqual(vm.calls, ['init', 'start i-v1', 'start i-v2'], 'one init for concurrent first uses');
    await r.shutdown({ stopWorkloads: true });
    assert.deepEqual(order, ['vm', 'process']);

    const idle = new FakeDriver('vm', { shutdownLog: [] });
    const quiet = new RoutingDriver({ default: new FakeDriver('process'), optional: { vm: { driver: idle, lazy: true } } });
    await quiet.init();
    await quiet.shutdown({ stopWorkloads: true });
    assert.deepEqual(idle.shutdowns, [], 'never used, never shut down');

    const broken = new FakeDriver('vm', { failInit: 'QEMU exited', shutdownLog: [] });
    const b = new RoutingDriver({ default: new FakeDriver('process'), optional: { vm: { driver: broken, lazy: true, hint: 'Install: qemu' } } });
    await b.init();
    await assert.rejects(b.start(spec('i-v', 'vm')), (err: Error) => err instanceof DriverUnavailableError && /QEMU exited\. Install: qemu/.test(err.message));
    assert.match(b.unavailable('vm')!, /QEMU exited/);
    assert.ok(b.capabilities().warnings.some((w) => /the vm driver is unavailable: QEMU exited/.test(w)), 'a warning from then on');
    await assert.rejects(b.adopt({ id: 'i-w', pid: 2, token: encodeHandleToken({ v: 1, driver: 'vm', pid: 2 }) }, spec('i-w', 'vm')), DriverUnavailableError);
    assert.deepEqual(broken.calls, ['init'], 'tried once');
  });
});
