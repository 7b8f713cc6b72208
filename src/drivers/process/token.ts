import { readFile } from 'node:fs/promises';
import type { CgroupSet } from './cgroups.ts';
import type { NetNames } from './netns.ts';
import { decodeHandleToken, encodeHandleToken } from '../handle-token.ts';

// The opaque token handed to the caller: enough to find the workload again after Nimbus restarts
// (pid + its start time, so a recycled pid is never mistaken for the instance) and to clean up
// its host objects when it is gone.

export interface TokenData {
  v: 1;
  mode: 'namespaces' | 'plain';
  pid: number;
  /** /proc/<pid>/stat field 22 (start time in clock ticks since boot). */
  start: number;
  net?: NetNames;
  cg?: CgroupSet;
}

export const encodeToken = (t: TokenData): string => encodeHandleToken(t);

export function decodeToken(s: string): TokenData | undefined {
  return decodeHandleToken<TokenData>(s, (t) => t.v === 1 && Number.isInteger(t.pid) && t.pid > 1);
}

/** Start time of a process, or undefined when it does not exist (or is a zombie). */
export async function processStart(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  return Number(rest[19]);
}

/** The instance's PID 1 as the host sees it: the child unshare forked. */
export async function firstChild(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const first = Number(text.trim().split(/\s+/)[0]);
  return first > 0 ? first : undefined;
}
