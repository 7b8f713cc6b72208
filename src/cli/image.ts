import { resolve } from 'node:path';
import { ImageStore } from '../drivers/container/images.ts';
import { parseArgs } from './args.ts';

// `nimbus image …`: the local OCI image store ECS tasks run from (src/drivers/container/images.ts). Works on the data
// directory directly, so it works whether or not Nimbus is running (a running Nimbus sees new images at once).
//
//   nimbus image import ./rootfs --name app:1           # a root filesystem directory
//   nimbus image import ./app.tar                        # `docker save` / OCI archive: names from the archive
//   nimbus image import ./app.tar --name app:2 --cmd '["httpd","-f"]'
//   nimbus image ls
//   nimbus image rm app:1

export const IMAGE_HELP = `nimbus image import <tarball|oci-dir|rootfs-dir> [--name repo:tag[,repo:tag2]] [--cmd JSON] [--entrypoint JSON] [--workdir DIR] [--data-dir ./.nimbus]
  Import an image for ECS tasks: a docker save / OCI archive (or OCI layout directory), or a root filesystem directory
  (then --name is required). A task definition's image "repo:tag" (any registry prefix, e.g. an ECR URI) runs it.
nimbus image ls [--json] [--data-dir ./.nimbus]      list imported images
nimbus image rm <repo:tag> [--data-dir ./.nimbus]    remove a name (the files go with its last name)`;

function jsonList(flag: string | true | undefined, what: string): string[] | undefined {
  if (typeof flag !== 'string') return undefined;
  try {
    const v = JSON.parse(flag) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* fall through */
  }
  throw new Error(`--${what} takes a JSON array of strings, e.g. '["httpd","-f"]'`);
}

export async function imageCommand(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const [sub, target] = positional;
  const dataDir = resolve(typeof flags['data-dir'] === 'string' ? flags['data-dir'] : process.env.NIMBUS_DATA_DIR ?? '.nimbus');
  const store = new ImageStore(dataDir);
  switch (sub) {
    case 'import': {
      if (!target) throw new Error('usage: nimbus image import <tarball|dir> [--name repo:tag]');
      const names = typeof flags.name === 'string' ? flags.name.split(',').map((n) => n.trim()).filter(Boolean) : undefined;
      const config = {
        ...(jsonList(flags.cmd, 'cmd') ? { cmd: jsonList(flags.cmd, 'cmd') } : {}),
        ...(jsonList(flags.entrypoint, 'entrypoint') ? { entrypoint: jsonList(flags.entrypoint, 'entrypoint') } : {}),
        ...(typeof flags.workdir === 'string' ? { workingDir: flags.workdir } : {}),
      };
      const t0 = Date.now();
      const images = await store.import(target, { names, config });
      for (const img of images) console.log(`imported ${img.names.join(', ')} (${img.id.slice(0, 19)}, ${(img.sizeBytes / 1048576).toFixed(1)} MiB) in ${Date.now() - t0} ms`);
      return 0;
    }
    case 'ls':
    case 'list': {
      const images = store.list();
      if (flags.json) {
        console.log(JSON.stringify(images, null, 2));
        return 0;
      }
      console.log(['NAME'.padEnd(40), 'IMAGE ID'.padEnd(20), 'SIZE'.padStart(10), '  IMPORTED'].join(' '));
      for (const img of images) {
        for (const n of img.names) {
          console.log([n.padEnd(40), img.id.slice(7, 19).padEnd(20), `${(img.sizeBytes / 1048576).toFixed(1)} MiB`.padStart(10), ` ${new Date(img.importedAt).toISOString()}`].join(' '));
        }
      }
      return 0;
    }
    case 'rm':
    case 'remove': {
      if (!target) throw new Error('usage: nimbus image rm <repo:tag>');
      if (!(await store.remove(target))) {
        console.error(`nimbus: no image named ${target}`);
        return 1;
      }
      console.log(`removed ${target}`);
      return 0;
    }
    default:
      console.log(IMAGE_HELP);
      return sub && sub !== 'help' ? 2 : 0;
  }
}
