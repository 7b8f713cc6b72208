import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addVm, vmChain } from '../net.ts';
import { envScript, seedArchive } from '../seed.ts';
import { cpio } from './cpio.ts';
import { agentScript, initScript } from './guest.ts';
import { hasPvhEntry, stripSignature } from './kernel.ts';
import { lz4Block, lz4Legacy } from './lz4.ts';

// The VM image's pieces without QEMU or root: these run everywhere (CI included).

const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));

describe('vm image pieces', () => {
  test('lz4: literals, an overlapping match, and the legacy frame around blocks', () => {
    // "abc", then a match at offset 3 of length 9 (overlapping), then the literal "x".
    const block = Uint8Array.from([0x35, 97, 98, 99, 3, 0, 0x10, 120]);
    const out = new Uint8Array(13);
    assert.equal(lz4Block(block, 0, block.length, out, 0), 13);
    assert.equal(Buffer.from(out).toString(), 'abcabcabcabcx');
    const frame = Buffer.concat([Buffer.from([0x02, 0x21, 0x4c, 0x18]), Buffer.from([block.length, 0, 0, 0]), Buffer.from(block)]);
    assert.equal(Buffer.from(lz4Legacy(frame, 13)).toString(), 'abcabcabcabcx');
    assert.throws(() => lz4Legacy(frame, 14), /decoded 13 bytes/);
    assert.throws(() => lz4Block(Uint8Array.from([0x05, 9, 0]), 0, 3, new Uint8Array(8), 0), /bad match offset/);
  });

  test('module signatures are stripped, unsigned modules are kept as they are', () => {
    const body = Buffer.from('\x7fELF-module-bytes');
    const sig = Buffer.alloc(10, 7);
    const info = Buffer.alloc(12);
    info.writeUInt32BE(sig.length, 8);
    const signed = Buffer.concat([body, sig, info, Buffer.from('~Module signature appended~\n')]);
    assert.deepEqual(stripSignature(signed), body);
    assert.deepEqual(stripSignature(body), body);
  });

  test('a non-ELF kernel has no PVH entry', () => {
    assert.equal(hasPvhEntry(Buffer.from('MZ not an elf at all, but long enough to look at it, really, more than 64 bytes')), false);
  });

  test('cpio: busybox unpacks what the writer wrote (dirs, files with modes, symlinks)', { skip: !busybox && 'no busybox on this host' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-cpio-'));
    try {
      const archive = cpio([
        { name: 'seed', type: 'dir', mode: 0o700 },
        { name: 'seed/config', type: 'file', data: "A='1'\n" },
        { name: 'seed/run', type: 'file', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
        { name: 'seed/link', type: 'symlink', target: 'config' },
      ]);
      writeFileSync(join(dir, 'a.cpio'), archive);
      const r = spawnSync('sh', ['-c', `cd ${dir} && ${busybox} cpio -id < a.cpio`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(join(dir, 'seed/config'), 'utf8'), "A='1'\n");
      assert.equal(lstatSync(join(dir, 'seed/run')).mode & 0o777, 0o755);
      assert.equal(lstatSync(join(dir, 'seed')).mode & 0o777, 0o700);
      assert.equal(readlinkSync(join(dir, 'seed/link')), 'config');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the guest init and agent are valid busybox shell', { skip: !busybox && 'no busybox on this host' }, () => {
    for (const script of [initScript(), agentScript()]) {
      const r = spawnSync(busybox!, ['sh', '-n'], { input: script, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  });

  test('the seed carries config, environment (quoted), secret and user data; never on a command line', () => {
    const spec = {
      id: 'i-0abc', hostname: 'ip-10-0-0-5', vcpus: 1, memoryMiB: 512, stateDir: '/tmp/x', env: { GREETING: "it's", 'BAD-NAME': 'x' }, ingress: [], volumes: [],
      network: { ip: '10.0.0.5', prefixLength: 16, gateway: '10.0.0.1', mac: '02:00:00:00:00:05' }, userData: Buffer.from('#!/bin/sh\necho hi\n'),
    };
    const env = envScript(spec);
    assert.match(env, /^export PATH='\/usr\/local\/sbin:.*:\/bin:\/nimbus\/bin'$/m);
    assert.match(env, /^export GREETING='it'\\''s'$/m);
    assert.doesNotMatch(env, /BAD-NAME/);
    const seed = seedArchive({ spec, secret: 's3cret', boot: 'b00t', agentPort: 20022, metadataAddress: '169.254.169.254', share: true, mounts: [{ slot: 0, device: '/dev/sdf', mountPath: '/mnt/sdf' }, { slot: 1, device: '../etc/x', mountPath: '/data' }] }).toString('latin1');
    for (const part of ["NIMBUS_MEM_KB='524288'", "NIMBUS_SHARE='1'", 's3cret', '0 sdf /mnt/sdf\n', '1 - /data\n', 'echo hi', '10.0.0.5 ip-10-0-0-5', 'nameserver 10.0.0.1']) {
      assert.ok(seed.includes(part), part);
    }
  });

  test('firewall chain: replies, the agent from the gateway only, the rules, then drop', () => {
    const chain = vmChain('nb_vm', 'vm_i0abc', [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] }, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['10.0.0.0/8'] }], '10.0.0.1', 20022);
    const rules = chain.split('\n').filter((l) => l.startsWith('add rule'));
    assert.deepEqual(rules.map((r) => r.replace('add rule inet nb_vm vm_i0abc ', '')), [
      'ct direction reply ct state established,related accept',
      'ct state related accept',
      'ip saddr 10.0.0.1 tcp dport 20022 accept',
      'meta nfproto ipv4 tcp dport 80 accept',
      'ip saddr { 10.0.0.0/8 } tcp dport 22 accept',
      'drop',
    ]);
    assert.match(addVm('nb_vm', 'vm_i0abc', '10.0.0.5', [], '10.0.0.1', 20022), /add element inet nb_vm ingress \{ 10\.0\.0\.5 : jump vm_i0abc \}\nadd element inet nb_vm guests \{ 10\.0\.0\.5 \}/);
  });
});
