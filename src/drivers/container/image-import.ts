import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { runOk } from '../process/run.ts';
import type { ImageConfig } from './images.ts';

// Reading image tarballs: `docker save` archives (manifest.json + layer tars) and OCI image layouts (index.json +
// blobs/sha256/…), the two formats `docker save`, `podman save`, `skopeo copy … oci-archive:` and BuildKit's
// `--output type=oci` write. Layers are applied in order with the system `tar` (which detects gzip/zstd by itself);
// OCI whiteouts (`.wh.<name>` deletes a lower file, `.wh..wh..opq` empties a lower directory) are applied before
// each layer's files are extracted.

export interface ArchiveImage {
  /** RepoTags / ref names found in the archive (may be empty: the caller names it). */
  names: string[];
  /** sha256:<hex> of the image config (the image id as docker shows it). */
  id: string;
  config: ImageConfig;
  /** Layer files inside the extracted archive, bottom first. */
  layers: string[];
}

interface OciDescriptor { mediaType?: string; digest: string; annotations?: Record<string, string>; platform?: { architecture?: string; os?: string } }

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

/** The images of an extracted archive directory (docker-archive first, then OCI layout). */
export function readArchive(dir: string): ArchiveImage[] {
  if (existsSync(join(dir, 'manifest.json'))) return readDockerArchive(dir);
  if (existsSync(join(dir, 'index.json'))) return readOciLayout(dir);
  throw new Error('not an image archive: neither manifest.json (docker save) nor index.json (OCI image layout) at its top level');
}

function inside(dir: string, rel: string): string {
  const p = normalize(join(dir, rel));
  if (!p.startsWith(normalize(dir) + '/')) throw new Error(`archive path escapes the archive: ${rel}`);
  if (!existsSync(p)) throw new Error(`archive is missing ${rel}`);
  return p;
}

function readDockerArchive(dir: string): ArchiveImage[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
  if (!Array.isArray(manifest) || !manifest.length) throw new Error('manifest.json lists no images');
  return manifest.map((m) => {
    const raw = readFileSync(inside(dir, m.Config));
    return { names: m.RepoTags ?? [], id: `sha256:${createHash('sha256').update(raw).digest('hex')}`, config: imageConfigOf(raw), layers: m.Layers.map((l) => inside(dir, l)) };
  });
}

function blob(dir: string, digest: string): string {
  const m = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  if (!m) throw new Error(`unsupported digest ${digest}`);
  return inside(dir, join('blobs', m[1]!, m[2]!));
}

function readOciLayout(dir: string): ArchiveImage[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests?: OciDescriptor[] };
  const out: ArchiveImage[] = [];
  for (const top of index.manifests ?? []) {
    const name = top.annotations?.['io.containerd.image.name'] ?? top.annotations?.['org.opencontainers.image.ref.name'];
    let desc = top;
    // A multi-platform index: take linux/amd64 (this host), else the first entry.
    for (let depth = 0; desc.mediaType && INDEX_TYPES.includes(desc.mediaType) && depth < 4; depth++) {
      const nested = JSON.parse(readFileSync(blob(dir, desc.digest), 'utf8')) as { manifests: OciDescriptor[] };
      desc = nested.manifests.find((d) => d.platform?.os === 'linux' && d.platform?.architecture === 'amd64') ?? nested.manifests[0]!;
      if (!desc) throw new Error('image index lists no manifests');
    }
    const manifest = JSON.parse(readFileSync(blob(dir, desc.digest), 'utf8')) as { config: OciDescriptor; layers: OciDescriptor[] };
    const raw = readFileSync(blob(dir, manifest.config.digest));
    out.push({
      names: name ? [name] : [], id: manifest.config.digest.startsWith('sha256:') ? manifest.config.digest : `sha256:${createHash('sha256').update(raw).digest('hex')}`,
      config: imageConfigOf(raw), layers: manifest.layers.map((l) => blob(dir, l.digest)),
    });
  }
  if (!out.length) throw new Error('index.json lists no images');
  return out;
}

/** The runtime part of an image config (Docker and OCI use the same field names). */
export function imageConfigOf(raw: Buffer | string): ImageConfig {
  const doc = JSON.parse(raw.toString()) as { config?: Record<string, unknown>; container_config?: Record<string, unknown> };
  const c = (doc.config ?? doc.container_config ?? {}) as {
    Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string; User?: string; ExposedPorts?: Record<string, unknown>; StopSignal?: string;
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
  };
  return {
    env: c.Env ?? [], entrypoint: c.Entrypoint ?? undefined, cmd: c.Cmd ?? undefined, workingDir: c.WorkingDir || undefined, user: c.User || undefined,
    exposedPorts: Object.keys(c.ExposedPorts ?? {}), stopSignal: c.StopSignal || undefined,
    healthcheck: c.Healthcheck?.Test?.length ? { test: c.Healthcheck.Test, intervalNs: c.Healthcheck.Interval, timeoutNs: c.Healthcheck.Timeout, retries: c.Healthcheck.Retries, startPeriodNs: c.Healthcheck.StartPeriod } : undefined,
  };
}

/** Applies one layer onto rootfs: whiteouts first (they hide lower layers only), then the layer's files. */
export async function applyLayer(rootfs: string, layer: string): Promise<void> {
  const listing = await runOk('tar', ['-tf', layer], { timeoutMs: 600_000 });
  for (const entry of listing.split('\n')) {
    const path = entry.replace(/^\.?\/+/, '').replace(/\/$/, '');
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (!base.startsWith('.wh.')) continue;
    const parent = slash >= 0 ? path.slice(0, slash) : '';
    const dir = normalize(join(rootfs, parent));
    if (!(dir + '/').startsWith(normalize(rootfs) + '/')) continue;
    if (base === '.wh..wh..opq') {
      for (const name of await readdir(dir).catch(() => [] as string[])) await rm(join(dir, name), { recursive: true, force: true });
    } else {
      const target = normalize(join(dir, base.slice(4)));
      if (target.startsWith(normalize(rootfs) + '/')) await rm(target, { recursive: true, force: true });
    }
  }
  // --numeric-owner: the image's uids, not the host's names for them. Whiteout markers are not files of the image.
  await runOk('tar', ['-xf', layer, '-C', rootfs, '--numeric-owner', '--exclude=.wh.*', '--exclude=*/.wh.*'], { timeoutMs: 600_000 });
}
