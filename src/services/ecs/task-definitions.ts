import { taskDefinitionArn } from '../../engines/containers/arns.ts';
import type { ContainerEngine } from '../../engines/containers/engine.ts';
import type { ContainerDefinitionDoc, TaskDefinitionDoc } from '../../engines/containers/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { ClientException, InvalidParameterException } from './errors.ts';
import type * as S from './generated/shapes.ts';
import { page } from './paging.ts';
import { taskDefinitionShape } from './shapes.ts';
import { tagsIn, tagsOut } from './tags.ts';

// Task definitions: RegisterTaskDefinition (validated as ECS does: names, essential containers, memory, awsvpc
// port mappings, Fargate sizes), DescribeTaskDefinition, DeregisterTaskDefinition, DeleteTaskDefinitions,
// ListTaskDefinitions, ListTaskDefinitionFamilies.

/** Fargate's valid task sizes: CPU units → allowed memory MiB. */
export const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** "1024", "1 vCPU", "0.25 vcpu" → "1024". */
export function cpuUnits(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(v);
  if (!m) throw new ClientException(`Invalid 'cpu' setting for task: ${v}`);
  return String(Math.round(Number(m[1]) * (m[2] ? 1024 : 1)));
}

/** "2048", "2 GB", "2GB" → "2048". */
export function memoryMiB(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(v);
  if (!m) throw new ClientException(`Invalid 'memory' setting for task: ${v}`);
  return String(Math.round(Number(m[1]) * (m[2] ? 1024 : 1)));
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const KNOWN_CONTAINER_FIELDS = new Set([
  'name', 'image', 'cpu', 'memory', 'memoryReservation', 'portMappings', 'essential', 'entryPoint', 'command', 'environment', 'mountPoints',
  'volumesFrom', 'dependsOn', 'startTimeout', 'stopTimeout', 'user', 'workingDirectory', 'readonlyRootFilesystem', 'privileged', 'linuxParameters',
  'logConfiguration', 'healthCheck', 'hostname', 'dockerLabels',
]);

function containerDef(c: S.ContainerDefinition, networkMode: string): ContainerDefinitionDoc {
  if (!c.name || !NAME.test(c.name)) throw new ClientException('Container.name should not be null or empty.');
  if (!c.image) throw new ClientException('Container.image should not be null or empty.');
  const portMappings = (c.portMappings ?? []).map((p) => {
    if (!Number.isInteger(p.containerPort) || p.containerPort! < 1 || p.containerPort! > 65535) throw new ClientException(`Invalid port mapping for container '${c.name}': containerPort must be between 1 and 65535.`);
    if (networkMode === 'awsvpc' && p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== p.containerPort) {
      throw new ClientException('When networkMode=awsvpc, the host ports and container ports in port mappings must match.');
    }
    if (networkMode === 'host' && p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== p.containerPort) {
      throw new ClientException('When networkMode=host, the host ports and container ports in port mappings must match.');
    }
    return { containerPort: p.containerPort!, hostPort: networkMode === 'awsvpc' || networkMode === 'host' ? p.containerPort! : p.hostPort, protocol: (p.protocol ?? 'tcp') as 'tcp' | 'udp', name: p.name, appProtocol: p.appProtocol };
  });
  let healthCheck: ContainerDefinitionDoc['healthCheck'];
  if (c.healthCheck) {
    const h = c.healthCheck;
    if (!h.command?.length) throw new ClientException(`Invalid health check for container '${c.name}': command is required.`);
    healthCheck = { command: h.command, interval: h.interval ?? 30, timeout: h.timeout ?? 5, retries: h.retries ?? 3, startPeriod: h.startPeriod ?? 0 };
    const bad = (v: number, lo: number, hi: number) => !Number.isInteger(v) || v < lo || v > hi;
    if (bad(healthCheck.interval, 5, 300)) throw new ClientException('Health check interval must be between 5 and 300 seconds.');
    if (bad(healthCheck.timeout, 2, 120)) throw new ClientException('Health check timeout must be between 2 and 120 seconds.');
    if (bad(healthCheck.retries, 1, 10)) throw new ClientException('Health check retries must be between 1 and 10.');
    if (bad(healthCheck.startPeriod, 0, 300)) throw new ClientException('Health check startPeriod must be between 0 and 300 seconds.');
  }
  if (c.memory !== undefined && c.memoryReservation !== undefined && c.memoryReservation > c.memory) {
    throw new ClientException(`Invalid setting for container '${c.name}'. The memoryReservation must be less than or equal to memory.`);
  }
  if (c.memory !== undefined && c.memory < 6) throw new ClientException(`Invalid setting for container '${c.name}'. The memory must be at least 6 MiB.`);
  const extra = Object.fromEntries(Object.entries(c).filter(([k]) => !KNOWN_CONTAINER_FIELDS.has(k)));
  return {
    name: c.name, image: c.image, cpu: c.cpu, memory: c.memory, memoryReservation: c.memoryReservation, portMappings, essential: c.essential ?? true,
    entryPoint: c.entryPoint, command: c.command, environment: (c.environment ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' })),
    mountPoints: (c.mountPoints ?? []).map((m) => ({ sourceVolume: m.sourceVolume ?? '', containerPath: m.containerPath ?? '', readOnly: m.readOnly })),
    volumesFrom: (c.volumesFrom ?? []).map((v) => ({ sourceContainer: v.sourceContainer ?? '', readOnly: v.readOnly })),
    dependsOn: c.dependsOn, startTimeout: c.startTimeout, stopTimeout: c.stopTimeout, user: c.user, workingDirectory: c.workingDirectory,
    readonlyRootFilesystem: c.readonlyRootFilesystem, privileged: c.privileged, linuxParameters: c.linuxParameters, hostname: c.hostname, dockerLabels: c.dockerLabels,
    logConfiguration: c.logConfiguration, healthCheck, extra: Object.keys(extra).length ? extra : undefined,
  };
}

export function buildTaskDefinition(e: ContainerEngine, ctx: RequestContext, input: S.RegisterTaskDefinitionRequest): TaskDefinitionDoc {
  if (!input.family || !NAME.test(input.family)) throw new ClientException('Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed.');
  if (!input.containerDefinitions?.length) throw new ClientException('Container list cannot be empty.');
  if (input.containerDefinitions.length > 10) throw new ClientException('Too many containers: a task definition can have at most 10.');
  const requires = input.requiresCompatibilities ?? [];
  const fargate = requires.includes('FARGATE');
  const networkMode = input.networkMode ?? (fargate ? 'awsvpc' : 'bridge');
  if (!['awsvpc', 'bridge', 'host', 'none'].includes(networkMode)) throw new ClientException(`Invalid networkMode ${networkMode}.`);
  if (input.runtimePlatform?.operatingSystemFamily && input.runtimePlatform.operatingSystemFamily !== 'LINUX') {
    throw new ClientException('Nimbus runs Linux containers only: operatingSystemFamily must be LINUX.');
  }
  if (input.runtimePlatform?.cpuArchitecture === 'ARM64') throw new ClientException('Nimbus runs x86_64 containers only: cpuArchitecture must be X86_64.');
  for (const r of requires) if (!['EC2', 'FARGATE'].includes(r)) throw new ClientException(`Nimbus does not support requiresCompatibilities ${r}.`);
  const defs = input.containerDefinitions.map((c) => containerDef(c, networkMode));
  const names = new Set<string>();
  for (const d of defs) {
    if (names.has(d.name)) throw new ClientException(`Duplicate container name: ${d.name}`);
    names.add(d.name);
  }
  if (!defs.some((d) => d.essential)) throw new ClientException('Task definition must have at least one essential container.');
  for (const d of defs) for (const dep of d.dependsOn ?? []) if (!names.has(dep.containerName)) throw new ClientException(`Container '${d.name}' depends on '${dep.containerName}', which is not in the task definition.`);
  const cpu = cpuUnits(input.cpu);
  const memory = memoryMiB(input.memory);
  if (!memory) {
    for (const d of defs) {
      if (d.memory === undefined && d.memoryReservation === undefined && !fargate) {
        throw new ClientException(`Invalid setting for container '${d.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
      }
    }
  }
  const volumes = (input.volumes ?? []).map((v) => {
    if (!v.name || !NAME.test(v.name)) throw new ClientException('Volume name should not be null or empty.');
    if (v.dockerVolumeConfiguration || v.efsVolumeConfiguration || v.fsxWindowsFileServerVolumeConfiguration) throw new ClientException(`Volume '${v.name}': Nimbus supports bind-mount volumes only (host or task-scoped).`);
    return { name: v.name, host: v.host };
  });
  for (const d of defs) for (const m of d.mountPoints) if (!volumes.some((v) => v.name === m.sourceVolume)) throw new ClientException(`Invalid container mount point: unknown volume '${m.sourceVolume}' for container '${d.name}'.`);
  if (fargate) {
    if (networkMode !== 'awsvpc') throw new ClientException("Fargate only supports network mode 'awsvpc'.");
    if (!cpu || !memory) throw new ClientException('Fargate requires that \'cpu\' be defined at the task level.');
    const allowed = FARGATE_SIZES[Number(cpu)];
    if (!allowed || !allowed.includes(Number(memory))) {
      throw new ClientException(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
    }
    if (volumes.some((v) => v.host?.sourcePath)) throw new ClientException('Host volumes are not supported on Fargate.');
    if (defs.some((d) => d.privileged)) throw new ClientException('privileged containers are not supported on Fargate.');
    if (defs.some((d) => d.logConfiguration?.logDriver === 'awslogs') && !input.executionRoleArn) {
      throw new ClientException('Fargate requires task definition to have execution role ARN to support log driver awslogs.');
    }
  }
  const existing = [...e.taskDefinitions.values()].filter((t) => t.account === ctx.account && t.region === ctx.region && t.family === input.family);
  const revision = existing.reduce((n, t) => Math.max(n, t.revision), 0) + 1;
  const extra = Object.fromEntries(Object.entries({ pidMode: input.pidMode, ipcMode: input.ipcMode, proxyConfiguration: input.proxyConfiguration, ephemeralStorage: input.ephemeralStorage, enableFaultInjection: input.enableFaultInjection }).filter(([, v]) => v !== undefined));
  return {
    arn: taskDefinitionArn(ctx, input.family, revision), account: ctx.account, region: ctx.region, family: input.family, revision, status: 'ACTIVE',
    networkMode: networkMode as TaskDefinitionDoc['networkMode'], containerDefinitions: defs, volumes, requiresCompatibilities: requires,
    compatibilities: fargate ? ['EC2', 'FARGATE'] : ['EC2'], cpu, memory, taskRoleArn: input.taskRoleArn, executionRoleArn: input.executionRoleArn,
    placementConstraints: (input.placementConstraints ?? []).map((p) => ({ type: p.type ?? 'memberOf', expression: p.expression })),
    runtimePlatform: input.runtimePlatform, tags: tagsIn(input.tags), registeredAt: ctx.clock.now(), extra: Object.keys(extra).length ? extra : undefined,
  };
}

export function taskDefinitionHandlers(e: ContainerEngine) {
  return {
    RegisterTaskDefinition(input: S.RegisterTaskDefinitionRequest, ctx: RequestContext): S.RegisterTaskDefinitionResponse {
      const td = buildTaskDefinition(e, ctx, input);
      e.saveTaskDefinition(td);
      return { taskDefinition: taskDefinitionShape(td), tags: tagsOut(td.tags) };
    },
    DescribeTaskDefinition(input: S.DescribeTaskDefinitionRequest, ctx: RequestContext): S.DescribeTaskDefinitionResponse {
      const td = e.taskDefinition(ctx, input.taskDefinition, { allowInactive: true });
      return { taskDefinition: taskDefinitionShape(td), tags: input.include?.includes('TAGS') ? tagsOut(td.tags) : undefined };
    },
    DeregisterTaskDefinition(input: S.DeregisterTaskDefinitionRequest, ctx: RequestContext): S.DeregisterTaskDefinitionResponse {
      if (!input.taskDefinition.startsWith('arn:') && !/:\d+$/.test(input.taskDefinition)) {
        throw new ClientException('The specified task definition identifier is invalid. Specify a valid ARN or family:revision.');
      }
      const td = e.taskDefinition(ctx, input.taskDefinition, { allowInactive: true });
      if (td.status === 'ACTIVE') {
        td.status = 'INACTIVE';
        td.deregisteredAt = ctx.clock.now();
        e.saveTaskDefinition(td);
      }
      return { taskDefinition: taskDefinitionShape(td) };
    },
    DeleteTaskDefinitions(input: S.DeleteTaskDefinitionsRequest, ctx: RequestContext): S.DeleteTaskDefinitionsResponse {
      if (!input.taskDefinitions?.length || input.taskDefinitions.length > 10) throw new InvalidParameterException('taskDefinitions must have between 1 and 10 items.');
      const out: S.TaskDefinition[] = [];
      const failures: S.Failure[] = [];
      for (const ref of input.taskDefinitions) {
        let td: TaskDefinitionDoc;
        try {
          td = e.taskDefinition(ctx, ref, { allowInactive: true });
        } catch {
          failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
          continue;
        }
        if (td.status === 'ACTIVE') {
          failures.push({ arn: td.arn, reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' });
          continue;
        }
        td.status = 'DELETE_IN_PROGRESS';
        td.deleteRequestedAt = ctx.clock.now();
        out.push(taskDefinitionShape(td));
        // AWS deletes once no task or service uses the revision: one still in use stays (DELETE_IN_PROGRESS) for
        // them, and the engine drops it when they are done with it.
        if (e.taskDefinitionInUse(td.arn)) e.saveTaskDefinition(td);
        else {
          e.taskDefinitions.delete(td.arn);
          e.store.deleteTaskDefinition(td.arn);
        }
      }
      return { taskDefinitions: out, failures };
    },
    ListTaskDefinitions(input: S.ListTaskDefinitionsRequest, ctx: RequestContext): S.ListTaskDefinitionsResponse {
      const status = input.status ?? 'ACTIVE';
      const list = [...e.taskDefinitions.values()]
        .filter((t) => t.account === ctx.account && t.region === ctx.region && t.status === status && (!input.familyPrefix || t.family === input.familyPrefix))
        .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
      if (input.sort === 'DESC') list.reverse();
      const p = page(list.map((t) => t.arn), input.maxResults, input.nextToken);
      return { taskDefinitionArns: p.items, nextToken: p.nextToken };
    },
    ListTaskDefinitionFamilies(input: S.ListTaskDefinitionFamiliesRequest, ctx: RequestContext): S.ListTaskDefinitionFamiliesResponse {
      const status = input.status ?? 'ACTIVE';
      const byFamily = new Map<string, boolean>();
      for (const t of e.taskDefinitions.values()) {
        if (t.account !== ctx.account || t.region !== ctx.region) continue;
        if (input.familyPrefix && !t.family.startsWith(input.familyPrefix)) continue;
        byFamily.set(t.family, (byFamily.get(t.family) ?? false) || t.status === 'ACTIVE');
      }
      const families = [...byFamily].filter(([, active]) => status === 'ALL' || (status === 'ACTIVE' ? active : !active)).map(([f]) => f).sort();
      const p = page(families, input.maxResults, input.nextToken);
      return { families: p.items, nextToken: p.nextToken };
    },
  };
}
