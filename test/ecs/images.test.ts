import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseImageRef } from '../../src/drivers/container/image-ref.ts';
import { ImageStore } from '../../src/drivers/container/images.ts';
import { BUSYBOX, buildBusyboxRootfs } from './support.ts';

// The local image store: `nimbus image import` of a root filesystem directory, a `docker save` archive and an OCI
// image layout tarball — both built here from a root filesystem with `tar`, including a second layer whose whiteouts
// delete a file and empty a directory of the first.

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'nimbus-images-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** layer 1 = the rootfs; layer 2 adds /etc/motd, deletes /www/index.html, makes /etc/opaque opaque and adds a file there. */
function layers(root: string): { l1: Buffer; l2: Buffer } {
  mkdirSync(join(root, 'etc/opaque'), { recursive: true });
  writeFileSync(join(root, 'etc/opaque/old.txt'), 'old');
  const l1 = execFileSync('tar', ['-cf', '-', '-C', root, '.'], { maxBuffer: 64 << 20 });
  const top = join(work, 'layer2');
  rmSync(top, { recursive: true, force: true });
  mkdirSync(join(top, 'etc/opaque'), { recursive: true });
  mkdirSync(join(top, 'www'), { recursive: true });
  writeFileSync(join(top, 'etc/motd'), 'from layer 2\n');
  writeFileSync(join(top, 'www/.wh.index.html'), '');
  writeFileSync(join(top, 'etc/opaque/.wh..wh..opq'), '');
  writeFileSync(join(top, 'etc/opaque/new.txt'), 'new');
  const l2 = execFileSync('tar', ['-cf', '-', '-C', top, '.']);
  return { l1, l2 };
}

const config = Buffer.from(JSON.stringify({
  architecture: 'amd64', os: 'linux',
  config: { Env: ['PATH=/bin', 'GREETING=hi'], Cmd: ['httpd', '-f', '-p', '80'], WorkingDir: '/www', ExposedPorts: { '80/tcp': {} }, User: 'www' },
  rootfs: { type: 'layers', diff_ids: [] },
}));

describe('image store: nimbus image import', { skip: !existsSync(BUSYBOX) && 'needs busybox-static to build a root filesystem' }, () => {
  test('image references as ECS task definitions write them', () => {
    assert.deepEqual(parseImageRef('busybox'), { repository: 'busybox', tag: 'latest', digest: undefined });
    assert.deepEqual(parseImageRef('docker.io/library/busybox:1.36'), { repository: 'busybox', tag: '1.36', digest: undefined });
    assert.deepEqual(parseImageRef('123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:7'), { repository: 'team/app', tag: '7', digest: undefined });
    assert.equal(parseImageRef('localhost:5000/app').repository, 'app');
    assert.throws(() => parseImageRef('Bad Name'), /invalid image reference/);
  });

  test('a root filesystem directory, through the CLI', async () => {
    const root = buildBusyboxRootfs(join(work, 'rootfs-dir'), 'dir\n');
    const data = join(work, 'data-cli');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'image', 'import', root, '--name', 'web:1', '--cmd', '["httpd","-f"]', '--data-dir', data]);
    assert.match(stdout, /imported web:1 \(sha256:[0-9a-f]{12}/);
    const ls = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'image', 'ls', '--data-dir', data]);
    assert.match(ls.stdout, /web:1/);
    const img = new ImageStore(data).resolve('123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1')!;
    assert.ok(img, 'an ECR URI names the local image');
    assert.deepEqual(img.config.cmd, ['httpd', '-f']);
    assert.equal(readFileSync(join(img.rootfs, 'www/index.html'), 'utf8'), 'dir\n');
    const rm = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'image', 'rm', 'web:1', '--data-dir', data]);
    assert.match(rm.stdout, /removed web:1/);
    assert.equal(new ImageStore(data).resolve('web:1'), undefined);
    assert.equal(existsSync(img.rootfs), false, 'the files went with the last name');
  });

  test('a docker save archive: layers applied in order with whiteouts, config and names from the archive', async () => {
    const { l1, l2 } = layers(buildBusyboxRootfs(join(work, 'rootfs-docker')));
    const dir = join(work, 'docker-archive');
    mkdirSync(join(dir, 'l1'), { recursive: true });
    mkdirSync(join(dir, 'l2'), { recursive: true });
    writeFileSync(join(dir, 'l1/layer.tar'), l1);
    writeFileSync(join(dir, 'l2/layer.tar'), l2);
    writeFileSync(join(dir, `${sha(config)}.json`), config);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: ['example.com/shop/web:2'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]));
    const tarball = join(work, 'web.tar');
    execFileSync('tar', ['-cf', tarball, '-C', dir, '.']);
    const store = new ImageStore(join(work, 'data-docker'));
    const [img] = await store.import(tarball);
    assert.deepEqual(img!.names, ['shop/web:2']);
    assert.equal(img!.id, `sha256:${sha(config)}`);
    assert.deepEqual(img!.config.cmd, ['httpd', '-f', '-p', '80']);
    assert.equal(img!.config.workingDir, '/www');
    assert.equal(img!.config.user, 'www');
    assert.deepEqual(img!.config.exposedPorts, ['80/tcp']);
    assert.equal(readFileSync(join(img!.rootfs, 'etc/motd'), 'utf8'), 'from layer 2\n');
    assert.equal(existsSync(join(img!.rootfs, 'www/index.html')), false, 'whiteout removed the lower file');
    assert.equal(existsSync(join(img!.rootfs, 'www/.wh.index.html')), false, 'whiteout markers are not files of the image');
    assert.equal(existsSync(join(img!.rootfs, 'etc/opaque/old.txt')), false, 'opaque directory hides the lower contents');
    assert.equal(readFileSync(join(img!.rootfs, 'etc/opaque/new.txt'), 'utf8'), 'new');
    assert.ok(existsSync(join(img!.rootfs, 'bin/busybox')));
  });

  test('an OCI image layout tarball with gzip layers and an index', async () => {
    const { l1, l2 } = layers(buildBusyboxRootfs(join(work, 'rootfs-oci')));
    const dir = join(work, 'oci');
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
    const blob = (b: Buffer) => {
      writeFileSync(join(dir, 'blobs/sha256', sha(b)), b);
      return { digest: `sha256:${sha(b)}`, size: b.length };
    };
    const gz1 = execFileSync('gzip', ['-c'], { input: l1, maxBuffer: 64 << 20 });
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...blob(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(gz1) }, { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...blob(l2) }],
    }));
    const m = blob(manifest);
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'web:oci' } }] }));
    const tarball = join(work, 'web-oci.tar');
    execFileSync('tar', ['-cf', tarball, '-C', dir, '.']);
    const store = new ImageStore(join(work, 'data-oci'));
    const [img] = await store.import(tarball, { names: ['renamed:1'] });
    assert.deepEqual(img!.names, ['renamed:1']);
    assert.equal(readFileSync(join(img!.rootfs, 'etc/motd'), 'utf8'), 'from layer 2\n');
    assert.equal(existsSync(join(img!.rootfs, 'www/index.html')), false);
    await assert.rejects(store.import(join(work, 'rootfs-oci')), /needs a name/);
    await assert.rejects(store.import(join(work, 'nope.tar')), /does not exist/);
  });
});
