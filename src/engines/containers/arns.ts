import { randomBytes, randomUUID } from 'node:crypto';
import type { Scope } from './types.ts';

// ECS ARNs in the current ("long") format, and ids as ECS makes them (32 hex digits for tasks and container
// instances).

const base = (s: Scope) => `arn:aws:ecs:${s.region}:${s.account}`;

export const clusterArn = (s: Scope, name: string) => `${base(s)}:cluster/${name}`;
export const taskDefinitionArn = (s: Scope, family: string, revision: number) => `${base(s)}:task-definition/${family}:${revision}`;
export const taskArn = (s: Scope, cluster: string, id: string) => `${base(s)}:task/${cluster}/${id}`;
export const serviceArn = (s: Scope, cluster: string, name: string) => `${base(s)}:service/${cluster}/${name}`;
export const containerInstanceArn = (s: Scope, cluster: string, id: string) => `${base(s)}:container-instance/${cluster}/${id}`;
export const containerArn = (s: Scope, cluster: string, taskId: string) => `${base(s)}:container/${cluster}/${taskId}/${randomUUID()}`;

export const newTaskId = () => randomBytes(16).toString('hex');

/** The last path part of an ARN (or the value itself when it is not an ARN). */
export function lastPart(idOrArn: string): string {
  const slash = idOrArn.lastIndexOf('/');
  return idOrArn.startsWith('arn:') && slash >= 0 ? idOrArn.slice(slash + 1) : idOrArn;
}

/** Cluster name from a cluster name or ARN. */
export function clusterNameOf(ref: string): string {
  const m = /^arn:aws[\w-]*:ecs:[^:]*:\d{12}:cluster\/(.+)$/.exec(ref);
  return m ? m[1]! : ref;
}

export interface ParsedArn { region: string; account: string; resource: string }

export function parseEcsArn(arn: string): ParsedArn | undefined {
  const m = /^arn:aws[\w-]*:ecs:([^:]*):(\d{12}):(.+)$/.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, resource: m[3]! } : undefined;
}
