import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { which } from '../process/probe.ts';
import { diskImagePath, orphanDisks, prepareDisk, returnDisk, type E2fsTools } from './block.ts';

// Volumes become ext4 disk images and back (the VM driver's block layer) with the host's e2fsprogs,
// no VM needed. Skipped where e2fsprogs is missing.

const e2: Partial<E2fsTools> = { mkfs: which('mkfs.ext4'), fsck: which('e2fsck'), debugfs: which('debugfs') };
const missing = Object.entries(e2).filter(([, v]) => !v).map(([k]) => k);

describe('vm driver block layer: volume directory ⇄ ext4 disk image', { skip: missing.length ? `e2fsprogs missing (${missing.join(', ')}): apt-get install -y e2fsprogs` : false }, () => {
  const t = e2 as E2fsTools;
  const root = mkdtempSync(join(tmpdir(), 'nimbus-block-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('files, modes and links survive the round trip; the image is sparse and the size asked for', async () => {
    const dir = join(root, 'volumes', 'vol-1');
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'hello');
    writeFileSync(join(dir, 'sub', 'deeper', 'b.bin'), Buffer.alloc(300_000, 7));
    writeFileSync(join(dir, 'secret'), 'x', { mode: 0o600 });
    symlinkSync('a.txt', join(dir, 'link'));
    const disk = { volumeId: 'vol-1', hostPath: dir, image: diskImagePath(root, 'vol-1') };
    assert.equal(await prepareDisk(t, disk, 4), 'built');
    const st = statSync(disk.image);
    assert.equal(st.size, 4 * 1024 ** 3, 'the disk is the volume size');
    assert.ok(st.blocks * 512 < 64 * 1024 ** 2, `sparse: ${st.blocks * 512} bytes used`);
    // The files change while "attached" only through the disk; here we just return them.
    rmSync(dir, { recursive: true });
    assert.equal(await returnDisk(t, disk), true);
    assert.equal(existsSync(disk.image), false, 'the image is gone once its files are back');
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'hello');
    assert.equal(readFileSync(join(dir, 'sub', 'deeper', 'b.bin')).length, 300_000);
    assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'link'), 'utf8'), 'hello');
    assert.deepEqual(readdirSync(dir).sort(), ['a.txt', 'link', 'secret', 'sub'], 'no lost+found in the volume');
  });

  test('files that do not fit the volume size are refused with a clear error', async () => {
    const dir = join(root, 'volumes', 'vol-big');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'big'), Buffer.alloc(20 * 1024 ** 2, 1));
    // 1 GiB is the smallest EBS volume; a 10 MiB one keeps the test fast.
    await assert.rejects(prepareDisk(t, { volumeId: 'vol-big', hostPath: dir, image: diskImagePath(root, 'vol-big') }, 10 / 1024), /cannot make a disk of vol-big/);
    assert.equal(existsSync(diskImagePath(root, 'vol-big')), false);
  });

  test('a disk reformatted with something that is not ext4 stays a disk; the directory keeps its files', async () => {
    const dir = join(root, 'volumes', 'vol-2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'keep.txt'), 'old');
    const disk = { volumeId: 'vol-2', hostPath: dir, image: diskImagePath(root, 'vol-2') };
    await prepareDisk(t, disk, 1);
    // "mkfs.xfs inside the guest": the ext4 superblock is overwritten.
    writeFileSync(disk.image, Buffer.alloc(1 << 20, 0), { flag: 'r+' });
    const warnings: string[] = [];
    assert.equal(await returnDisk(t, disk, { log: (m) => warnings.push(m) }), false);
    assert.match(warnings[0]!, /no ext4 filesystem/);
    assert.equal(existsSync(disk.image), true);
    assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'old');
    assert.equal(await prepareDisk(t, disk, 1), 'reused', 'the next attach gets the same disk back');
  });

  test('disks nobody uses (their VM vanished with a host reboot) are found for their directories', async () => {
    const dir = join(root, 'volumes', 'vol-3');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f'), 'v3');
    const disk = { volumeId: 'vol-3', hostPath: dir, image: diskImagePath(root, 'vol-3') };
    await prepareDisk(t, disk, 1);
    const found = await orphanDisks(root, new Set([diskImagePath(root, 'vol-2')]));
    assert.deepEqual(found.map((d) => d.volumeId).sort(), ['vol-3']);
    assert.equal(found[0]!.hostPath, dir);
    assert.equal(await returnDisk(t, found[0]!), true);
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'v3');
  });
});
