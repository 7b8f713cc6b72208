// Image references as ECS task definitions and `docker` write them, reduced to the name Nimbus's local image store
// knows. `busybox`, `docker.io/library/busybox:latest` and `123456789012.dkr.ecr.us-east-1.amazonaws.com/busybox`
// all name `busybox:latest`; `app@sha256:<hex>` names an image by digest.

export interface ImageRef {
  /** Repository without registry host and without docker.io's `library/`, e.g. `busybox`, `team/app`. */
  repository: string;
  tag: string;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string;
}

const REF = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseImageRef(input: string): ImageRef {
  let s = input.trim();
  if (!s) throw new Error('an image reference must not be empty');
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid digest in image reference '${input}'`);
  }
  const parts = s.split('/');
  // A first component with a dot, a colon or `localhost` is a registry host (Docker's rule).
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) parts.shift();
  let last = parts.pop()!;
  let tag = 'latest';
  const colon = last.lastIndexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
  }
  parts.push(last);
  if (parts[0] === 'library' && parts.length === 2) parts.shift();
  const repository = parts.join('/').toLowerCase();
  if (!REF.test(repository)) throw new Error(`invalid image reference '${input}'`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`invalid tag in image reference '${input}'`);
  return { repository, tag, digest };
}

/** `repository:tag`, the key of the image store. */
export function refName(r: ImageRef): string {
  return `${r.repository}:${r.tag}`;
}
