import { lastPart, serviceArn } from '../../engines/containers/arns.ts';
import type { ContainerEngine } from '../../engines/containers/engine.ts';
import type { LoadBalancerDoc, ServiceDoc, TaskDefinitionDoc } from '../../engines/containers/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { ClientException, InvalidParameterException, ServiceNotActiveException, ServiceNotFoundException } from './errors.ts';
import type * as S from './generated/shapes.ts';
import { page } from './paging.ts';
import { serviceShape } from './shapes.ts';
import { tagsIn } from './tags.ts';
import { launchTypeOf, placementIn } from './tasks.ts';

// Services: CreateService, UpdateService, DeleteService, DescribeServices, ListServices. The scheduler
// (src/engines/containers/scheduler.ts) does the work; here the API is validated and turned into documents.

const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

function loadBalancersIn(td: TaskDefinitionDoc, lbs: S.LoadBalancer[] | undefined): LoadBalancerDoc[] {
  if ((lbs?.length ?? 0) > 5) throw new InvalidParameterException('A service can have at most 5 load balancers.');
  return (lbs ?? []).map((l) => {
    if (l.loadBalancerName) throw new InvalidParameterException('Classic Load Balancers are not supported by Nimbus: use targetGroupArn (Application or Network Load Balancer).');
    if (!l.targetGroupArn) throw new InvalidParameterException('targetGroupArn is required for a load balancer.');
    if (!l.containerName || l.containerPort === undefined) throw new InvalidParameterException('containerName and containerPort are required for a load balancer.');
    const c = td.containerDefinitions.find((d) => d.name === l.containerName);
    if (!c) throw new InvalidParameterException(`The container ${l.containerName} does not exist in the task definition.`);
    if (!c.portMappings.some((p) => p.containerPort === l.containerPort)) throw new InvalidParameterException(`The container ${l.containerName} did not have a container port ${l.containerPort} defined.`);
    return { targetGroupArn: l.targetGroupArn, containerName: l.containerName, containerPort: l.containerPort };
  });
}

function deploymentConfigIn(input: S.DeploymentConfiguration | undefined, prev: ServiceDoc['deploymentConfiguration'] | undefined, daemon: boolean): ServiceDoc['deploymentConfiguration'] {
  const maximumPercent = input?.maximumPercent ?? prev?.maximumPercent ?? (daemon ? 100 : 200);
  const minimumHealthyPercent = input?.minimumHealthyPercent ?? prev?.minimumHealthyPercent ?? (daemon ? 0 : 100);
  if (!Number.isInteger(maximumPercent) || maximumPercent < 100 || maximumPercent > 200) throw new InvalidParameterException('maximumPercent must be between 100 and 200.');
  if (!Number.isInteger(minimumHealthyPercent) || minimumHealthyPercent < 0 || minimumHealthyPercent > 100) throw new InvalidParameterException('minimumHealthyPercent must be between 0 and 100.');
  if (daemon && maximumPercent !== 100) throw new InvalidParameterException('The maximumPercent of a DAEMON service must be 100.');
  const cb = input?.deploymentCircuitBreaker ?? prev?.deploymentCircuitBreaker ?? { enable: false, rollback: false };
  const { maximumPercent: _a, minimumHealthyPercent: _b, deploymentCircuitBreaker: _c, ...rest } = input ?? {};
  return { maximumPercent, minimumHealthyPercent, deploymentCircuitBreaker: { enable: !!cb.enable, rollback: !!cb.rollback }, extra: Object.keys(rest).length ? rest : prev?.extra };
}

function checkNetwork(td: TaskDefinitionDoc, nc: S.NetworkConfiguration | undefined): void {
  if (td.networkMode === 'awsvpc' && !nc?.awsvpcConfiguration) throw new InvalidParameterException("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (td.networkMode !== 'awsvpc' && nc?.awsvpcConfiguration) throw new InvalidParameterException('Network Configuration is not valid for the given networkMode of this task definition.');
}

export function serviceHandlers(e: ContainerEngine) {
  return {
    CreateService(input: S.CreateServiceRequest, ctx: RequestContext): S.CreateServiceResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (!input.serviceName || !SERVICE_NAME.test(input.serviceName)) throw new InvalidParameterException('Service name can have up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
      if (input.deploymentController && input.deploymentController.type !== 'ECS') throw new InvalidParameterException(`Nimbus supports the ECS (rolling update) deployment controller only, not ${input.deploymentController.type}.`);
      if (!input.taskDefinition) throw new InvalidParameterException('TaskDefinition must be specified.');
      if (input.serviceRegistries?.length || input.serviceConnectConfiguration?.enabled) throw new InvalidParameterException('Service discovery and Service Connect are not supported by Nimbus.');
      const daemon = input.schedulingStrategy === 'DAEMON';
      if (e.servicesOf(cluster.arn).some((s) => s.name === input.serviceName)) throw new InvalidParameterException('Creation of service was not idempotent.');
      const td = e.taskDefinition(ctx, input.taskDefinition);
      const launchType = launchTypeOf(input);
      if (!td.compatibilities.includes(launchType)) throw new InvalidParameterException(`Task definition does not support launch_type ${launchType}.`);
      if (daemon && launchType === 'FARGATE') throw new InvalidParameterException('The DAEMON scheduling strategy does not support the FARGATE launch type.');
      let desired = input.desiredCount;
      if (!daemon && desired === undefined) throw new InvalidParameterException('desiredCount is required for the REPLICA scheduling strategy.');
      if (daemon && desired !== undefined) throw new InvalidParameterException('The DAEMON scheduling strategy does not support a desired count.');
      desired ??= 0;
      if (!Number.isInteger(desired) || desired < 0) throw new InvalidParameterException('desiredCount must be 0 or more.');
      checkNetwork(td, input.networkConfiguration);
      const { constraints, strategy } = placementIn(input, launchType);
      const loadBalancers = loadBalancersIn(td, input.loadBalancers);
      if (input.healthCheckGracePeriodSeconds !== undefined && !loadBalancers.length) {
        throw new InvalidParameterException('Health check grace period is only valid for services configured to use load balancers.');
      }
      const s: ServiceDoc = {
        arn: serviceArn(ctx, cluster.name, input.serviceName), account: ctx.account, region: ctx.region, name: input.serviceName, clusterArn: cluster.arn,
        status: 'ACTIVE', desiredCount: desired, launchType, platformVersion: launchType === 'FARGATE' ? input.platformVersion ?? 'LATEST' : undefined,
        taskDefinition: td.arn, loadBalancers, networkConfiguration: input.networkConfiguration as ServiceDoc['networkConfiguration'],
        deploymentConfiguration: deploymentConfigIn(input.deploymentConfiguration, undefined, daemon), placementConstraints: constraints,
        placementStrategy: strategy.length || launchType === 'FARGATE' ? strategy : [{ type: 'spread', field: 'attribute:ecs.availability-zone' }, { type: 'spread', field: 'instanceId' }],
        healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0, schedulingStrategy: daemon ? 'DAEMON' : 'REPLICA', deployments: [], events: [],
        tags: tagsIn(input.tags), createdAt: ctx.clock.now(), createdBy: `arn:aws:iam::${ctx.account}:root`, propagateTags: input.propagateTags ?? 'NONE',
        enableECSManagedTags: input.enableECSManagedTags, enableExecuteCommand: input.enableExecuteCommand, roleArn: input.role,
      };
      e.scheduler.newDeployment(s, td.arn);
      e.kick();
      return { service: serviceShape(e, s, ['TAGS']) };
    },
    UpdateService(input: S.UpdateServiceRequest, ctx: RequestContext): S.UpdateServiceResponse {
      const cluster = e.cluster(ctx, input.cluster);
      const name = lastPart(input.service);
      const s = [...e.services.values()].find((x) => x.clusterArn === cluster.arn && (x.arn === input.service || x.name === name) && x.status !== 'INACTIVE');
      if (!s) throw new ServiceNotFoundException('Service not found.');
      if (s.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
      if (input.deploymentController && input.deploymentController.type !== 'ECS') throw new InvalidParameterException('Nimbus supports the ECS deployment controller only.');
      const daemon = s.schedulingStrategy === 'DAEMON';
      let td = e.taskDefinitions.get(s.taskDefinition);
      let redeploy = !!input.forceNewDeployment;
      if (input.taskDefinition) {
        const next = e.taskDefinition(ctx, input.taskDefinition);
        if (!next.compatibilities.includes(s.launchType)) throw new InvalidParameterException(`Task definition does not support launch_type ${s.launchType}.`);
        if (next.arn !== s.taskDefinition) redeploy = true;
        td = next;
      }
      if (!td) throw new ClientException(`The service's task definition ${s.taskDefinition} no longer exists: specify taskDefinition.`);
      if (input.capacityProviderStrategy?.length && launchTypeOf(input) !== s.launchType) throw new InvalidParameterException('The launch type of a service cannot be changed.');
      if (input.desiredCount !== undefined) {
        if (daemon) throw new InvalidParameterException('The DAEMON scheduling strategy does not support a desired count.');
        if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) throw new InvalidParameterException('desiredCount must be 0 or more.');
        s.desiredCount = input.desiredCount;
      }
      if (input.networkConfiguration) {
        checkNetwork(td, input.networkConfiguration);
        s.networkConfiguration = input.networkConfiguration as ServiceDoc['networkConfiguration'];
        redeploy = true;
      } else checkNetwork(td, s.networkConfiguration as S.NetworkConfiguration | undefined);
      if (input.loadBalancers) {
        s.loadBalancers = loadBalancersIn(td, input.loadBalancers);
        redeploy = true;
      } else loadBalancersIn(td, s.loadBalancers);
      if (input.deploymentConfiguration) s.deploymentConfiguration = deploymentConfigIn(input.deploymentConfiguration, s.deploymentConfiguration, daemon);
      if (input.healthCheckGracePeriodSeconds !== undefined) s.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
      if (input.placementConstraints || input.placementStrategy) {
        const p = placementIn({ placementConstraints: input.placementConstraints ?? s.placementConstraints as S.PlacementConstraint[], placementStrategy: input.placementStrategy ?? s.placementStrategy as S.PlacementStrategy[] }, s.launchType);
        s.placementConstraints = p.constraints;
        s.placementStrategy = p.strategy;
      }
      if (input.platformVersion && s.launchType === 'FARGATE') {
        if (input.platformVersion !== s.platformVersion) redeploy = true;
        s.platformVersion = input.platformVersion;
      }
      if (input.enableExecuteCommand !== undefined) s.enableExecuteCommand = input.enableExecuteCommand;
      if (input.enableECSManagedTags !== undefined) s.enableECSManagedTags = input.enableECSManagedTags;
      if (input.propagateTags) s.propagateTags = input.propagateTags;
      s.steady = false;
      if (redeploy) e.scheduler.newDeployment(s, td.arn);
      else {
        const primary = s.deployments.find((d) => d.status === 'PRIMARY');
        if (primary) {
          primary.desiredCount = s.desiredCount;
          primary.updatedAt = ctx.clock.now();
        }
        e.saveService(s);
      }
      e.kick();
      return { service: serviceShape(e, s) };
    },
    DeleteService(input: S.DeleteServiceRequest, ctx: RequestContext): S.DeleteServiceResponse {
      const cluster = e.cluster(ctx, input.cluster);
      const s = e.service(ctx, cluster, input.service);
      if (s.status === 'DRAINING') return { service: serviceShape(e, s) };
      if (s.desiredCount > 0 && s.schedulingStrategy === 'REPLICA' && !input.force) {
        throw new InvalidParameterException('The service cannot be stopped while it is scaled above 0.');
      }
      s.status = 'DRAINING';
      s.desiredCount = 0;
      s.steady = false;
      e.saveService(s);
      e.kick();
      return { service: serviceShape(e, s) };
    },
    DescribeServices(input: S.DescribeServicesRequest, ctx: RequestContext): S.DescribeServicesResponse {
      const cluster = e.cluster(ctx, input.cluster);
      if (!input.services?.length) throw new InvalidParameterException('Services cannot be empty.');
      if (input.services.length > 10) throw new InvalidParameterException('services can have at most 10 items.');
      const services: S.Service[] = [];
      const failures: S.Failure[] = [];
      for (const ref of input.services) {
        const name = lastPart(ref);
        // Deleted services stay describable (INACTIVE) for a while, as on AWS.
        const candidates = [...e.services.values()].filter((x) => x.clusterArn === cluster.arn && x.account === ctx.account && (x.arn === ref || x.name === name));
        const s = candidates.find((x) => x.status !== 'INACTIVE') ?? candidates[0];
        if (!s) failures.push({ arn: ref.startsWith('arn:') ? ref : serviceArn(ctx, cluster.name, ref), reason: 'MISSING' });
        else services.push(serviceShape(e, s, input.include ?? []));
      }
      return { services, failures };
    },
    ListServices(input: S.ListServicesRequest, ctx: RequestContext): S.ListServicesResponse {
      const cluster = e.cluster(ctx, input.cluster);
      const arns = e.servicesOf(cluster.arn)
        .filter((s) => s.account === ctx.account && (!input.launchType || s.launchType === input.launchType) && (!input.schedulingStrategy || s.schedulingStrategy === input.schedulingStrategy))
        .map((s) => s.arn).sort();
      const p = page(arns, input.maxResults, input.nextToken);
      return { serviceArns: p.items, nextToken: p.nextToken };
    },
  };
}
