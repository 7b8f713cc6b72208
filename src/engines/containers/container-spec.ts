import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredImage } from '../../drivers/container/images.ts';
import type { ContainerMount, ContainerSpec } from '../../drivers/container/types.ts';
import type { ContainerDefinitionDoc, TaskDefinitionDoc } from './types.ts';

// A container definition (+ the task's overrides + the image's config) → what the OCI runtime runs. Docker's rules
// for merging with the image: an entryPoint replaces the image's ENTRYPOINT *and* drops its CMD; a command replaces
// CMD; environment variables are added over the image's.

export interface ContainerOverrideDoc {
  name?: string;
  command?: string[];
  environment?: Array<{ name?: string; value?: string }>;
}

export class ContainerConfigError extends Error {}

export function containerSpec(o: {
  def: ContainerDefinitionDoc;
  taskDef: TaskDefinitionDoc;
  image: StoredImage;
  override?: ContainerOverrideDoc;
  /** Variables every container gets (region, endpoint, execution environment…). */
  baseEnv: Record<string, string>;
  /** Host directory of each task volume (shared by the task's containers). */
  volumeDirs: Record<string, string>;
}): ContainerSpec {
  const { def, image } = o;
  const img = image.config;
  const entrypoint = def.entryPoint?.length ? def.entryPoint : img.entrypoint ?? [];
  let cmd: string[];
  if (o.override?.command?.length) cmd = o.override.command;
  else if (def.command?.length) cmd = def.command;
  else cmd = def.entryPoint?.length ? [] : img.cmd ?? [];
  const args = [...entrypoint, ...cmd];
  if (!args.length) throw new ContainerConfigError(`no command specified for container ${def.name}: the image has no ENTRYPOINT/CMD and the container definition no entryPoint/command`);
  const env: Record<string, string> = {};
  for (const kv of img.env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  Object.assign(env, o.baseEnv);
  for (const e of def.environment) env[e.name] = e.value;
  for (const e of o.override?.environment ?? []) if (e.name) env[e.name] = e.value ?? '';
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const mounts: ContainerMount[] = [];
  for (const m of def.mountPoints) {
    const source = o.volumeDirs[m.sourceVolume];
    if (!source) throw new ContainerConfigError(`container ${def.name} mounts volume ${m.sourceVolume}, which the task definition does not declare`);
    mounts.push({ source, destination: m.containerPath, readOnly: m.readOnly });
  }
  for (const vf of def.volumesFrom) {
    const src = o.taskDef.containerDefinitions.find((c) => c.name === vf.sourceContainer);
    for (const m of src?.mountPoints ?? []) {
      const source = o.volumeDirs[m.sourceVolume];
      if (source) mounts.push({ source, destination: m.containerPath, readOnly: vf.readOnly || m.readOnly });
    }
  }
  return {
    name: def.name,
    image: { rootfs: image.rootfs, config: image.config },
    args,
    env,
    cwd: def.workingDirectory || img.workingDir || '/',
    user: resolveUser(image.rootfs, def.user ?? img.user),
    readonlyRootFilesystem: def.readonlyRootFilesystem,
    privileged: def.privileged,
    capabilities: def.linuxParameters?.capabilities,
    mounts,
    meminfo: true,
  };
}

/** `uid`, `uid:gid`, `name`, `name:group` → numeric `uid:gid` (names from the image's /etc/passwd and /etc/group). */
export function resolveUser(rootfs: string, user: string | undefined): string | undefined {
  if (!user) return undefined;
  const [u, g] = user.split(':');
  const passwd = readLines(join(rootfs, 'etc/passwd')).map((l) => l.split(':'));
  const groups = readLines(join(rootfs, 'etc/group')).map((l) => l.split(':'));
  const entry = passwd.find((p) => p[0] === u || p[2] === u);
  const uid = /^\d+$/.test(u!) ? u! : entry?.[2];
  if (uid === undefined) throw new ContainerConfigError(`unable to find user ${u}: no matching entries in passwd file`);
  let gid: string | undefined;
  if (g !== undefined) {
    gid = /^\d+$/.test(g) ? g : groups.find((x) => x[0] === g)?.[2];
    if (gid === undefined) throw new ContainerConfigError(`unable to find group ${g}: no matching entries in group file`);
  } else gid = entry?.[3] ?? '0';
  return `${uid}:${gid}`;
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  } catch {
    return [];
  }
}
