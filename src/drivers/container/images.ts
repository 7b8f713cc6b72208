import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { run, runOk } from '../process/run.ts';
import { applyLayer, readArchive } from './image-import.ts';
import { parseImageRef, refName } from './image-ref.ts';

// The local OCI image store: `nimbus image import` puts images here, ECS tasks run them. Images are flattened: one
// read-only root filesystem directory per image (the lower layer of every container's overlay), plus its runtime
// config. Files only (no SQLite): the CLI may import while Nimbus runs, and the server reads the index at each lookup.
//
//   <dataDir>/images/index.json            { "busybox:latest": "sha256:…" }
//   <dataDir>/images/<hex>/image.json      StoredImage
//   <dataDir>/images/<hex>/rootfs/         the image's files
//
// AWS: ECS pulls from ECR or any registry. Here: nothing is pulled (Nimbus never leaves the machine); a task whose
// image is not in the store stops with CannotPullContainerError naming `nimbus image import`.

export interface ImageConfig {
  env: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  user?: string;
  /** e.g. ['80/tcp'] */
  exposedPorts: string[];
  stopSignal?: string;
  healthcheck?: { test: string[]; intervalNs?: number; timeoutNs?: number; retries?: number; startPeriodNs?: number };
}

export interface StoredImage {
  /** sha256:<hex> */
  id: string;
  /** `repository:tag` names pointing at it. */
  names: string[];
  rootfs: string;
  config: ImageConfig;
  importedAt: number;
  sizeBytes: number;
  /** What it was imported from (a path). */
  source: string;
}

export class ImageStore {
  readonly dir: string;
  private cache?: { mtimeMs: number; index: Record<string, string> };

  constructor(dataDir: string) {
    this.dir = join(resolve(dataDir), 'images');
  }

  private get indexFile(): string {
    return join(this.dir, 'index.json');
  }

  private index(): Record<string, string> {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.indexFile).mtimeMs;
    } catch {
      return {};
    }
    if (this.cache?.mtimeMs !== mtimeMs) this.cache = { mtimeMs, index: JSON.parse(readFileSync(this.indexFile, 'utf8')) as Record<string, string> };
    return this.cache.index;
  }

  private async writeIndex(index: Record<string, string>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.indexFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, JSON.stringify(index, null, 2));
    await rename(tmp, this.indexFile);
  }

  private imageDir(id: string): string {
    return join(this.dir, id.replace(/^sha256:/, ''));
  }

  private load(id: string): StoredImage | undefined {
    const file = join(this.imageDir(id), 'image.json');
    if (!existsSync(file)) return undefined;
    const img = JSON.parse(readFileSync(file, 'utf8')) as StoredImage;
    img.names = Object.entries(this.index()).filter(([, v]) => v === id).map(([k]) => k);
    return img;
  }

  /** The image a reference names (`busybox`, `docker.io/library/busybox:1`, `…ecr…/app:1`, `app@sha256:…`). */
  resolve(reference: string): StoredImage | undefined {
    let ref;
    try {
      ref = parseImageRef(reference);
    } catch {
      return undefined;
    }
    if (ref.digest) return this.load(ref.digest);
    const id = this.index()[refName(ref)];
    return id ? this.load(id) : undefined;
  }

  list(): StoredImage[] {
    const ids = [...new Set(Object.values(this.index()))];
    return ids.map((id) => this.load(id)).filter((i): i is StoredImage => !!i);
  }

  /** Removes a name; the image's files go with its last name. */
  async remove(name: string): Promise<boolean> {
    const key = refName(parseImageRef(name));
    const index = { ...this.index() };
    const id = index[key];
    if (!id) return false;
    delete index[key];
    await this.writeIndex(index);
    if (!Object.values(index).includes(id)) await rm(this.imageDir(id), { recursive: true, force: true });
    return true;
  }

  /**
   * Imports a root filesystem directory, a `docker save` archive or an OCI image layout (a directory or a tarball).
   * `names` name the image (required for a root filesystem; for archives they replace the archive's own names).
   */
  async import(path: string, opts: { names?: string[]; config?: Partial<ImageConfig> } = {}): Promise<StoredImage[]> {
    const src = resolve(path);
    if (!existsSync(src)) throw new Error(`${path} does not exist`);
    const names = (opts.names ?? []).map((n) => refName(parseImageRef(n)));
    await mkdir(this.dir, { recursive: true });
    const work = await mkdtemp(join(this.dir, '.import-'));
    try {
      const isDir = statSync(src).isDirectory();
      const layout = isDir && (existsSync(join(src, 'manifest.json')) || existsSync(join(src, 'index.json'))) ? src : undefined;
      if (isDir && !layout) {
        if (!names.length) throw new Error('a root filesystem directory needs a name (--name app:1)');
        const id = `sha256:${createHash('sha256').update(`${src}\0${Date.now()}\0${randomBytes(8).toString('hex')}`).digest('hex')}`;
        const rootfs = join(work, 'rootfs');
        await mkdir(rootfs);
        await runOk('cp', ['-a', `${src}/.`, rootfs], { timeoutMs: 600_000 });
        return [await this.commit(work, id, names, { env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], exposedPorts: [], ...opts.config }, src)];
      }
      let archiveDir = layout;
      if (!archiveDir) {
        archiveDir = join(work, 'archive');
        await mkdir(archiveDir);
        await runOk('tar', ['-xf', src, '-C', archiveDir, '--no-same-owner'], { timeoutMs: 600_000 });
      }
      const images = readArchive(archiveDir);
      if (names.length && images.length > 1) throw new Error(`the archive holds ${images.length} images: import it without --name, or one image at a time`);
      const out: StoredImage[] = [];
      for (const img of images) {
        const own = names.length ? names : img.names.map((n) => refName(parseImageRef(n)));
        if (!own.length) throw new Error(`image ${img.id.slice(0, 19)} has no name in the archive: give one with --name`);
        const dir = await mkdtemp(join(this.dir, '.layers-'));
        try {
          await mkdir(join(dir, 'rootfs'));
          for (const layer of img.layers) await applyLayer(join(dir, 'rootfs'), layer);
          out.push(await this.commit(dir, img.id, own, { ...img.config, ...opts.config }, src));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      return out;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Moves a prepared `<work>/rootfs` into place and points the names at it. */
  private async commit(work: string, id: string, names: string[], config: ImageConfig, source: string): Promise<StoredImage> {
    const dest = this.imageDir(id);
    const du = await run('du', ['-sb', join(work, 'rootfs')]);
    const image: StoredImage = {
      id, names, rootfs: join(dest, 'rootfs'), config, importedAt: Date.now(), sizeBytes: Number(du.stdout.split('\t')[0]) || 0, source,
    };
    if (existsSync(dest)) await rm(dest, { recursive: true, force: true });
    await mkdir(dest, { recursive: true });
    await rename(join(work, 'rootfs'), image.rootfs);
    await writeFile(join(dest, 'image.json'), JSON.stringify(image, null, 2));
    const index = { ...this.index() };
    const replaced = new Set<string>();
    for (const n of names) {
      if (index[n] && index[n] !== id) replaced.add(index[n]!);
      index[n] = id;
    }
    await this.writeIndex(index);
    // An image that lost its last name to this import goes (like `docker` leaving a dangling image, minus the dangling).
    for (const old of replaced) if (!Object.values(index).includes(old)) await rm(this.imageDir(old), { recursive: true, force: true });
    return image;
  }
}
