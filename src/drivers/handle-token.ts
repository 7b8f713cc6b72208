// A driver's WorkloadHandle.token: what it needs to find a workload again after Nimbus restarts (pids, process start
// times, cgroup and netns names), stored by the caller as an opaque string. JSON in base64url for every driver.

export function encodeHandleToken(data: unknown): string {
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

/** The token's data when it decodes and `valid` accepts it; undefined for anything else (foreign, corrupt, old). */
export function decodeHandleToken<T>(token: string, valid: (t: T) => boolean = (t) => !!t): T | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString()) as T;
    return t !== null && typeof t === 'object' && valid(t) ? t : undefined;
  } catch {
    return undefined;
  }
}
