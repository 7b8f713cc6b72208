// The load balancer engine's vocabulary. The ELBv2 service (src/services/elbv2) validates API input, persists it and
// hands these specs to the engine; Auto Scaling and CloudWatch use the engine's programmatic API (engine.ts).

export type LbType = 'application' | 'network';
export type TargetType = 'instance' | 'ip' | 'lambda';

export interface HealthCheckSpec {
  enabled: boolean;
  protocol: 'HTTP' | 'HTTPS' | 'TCP';
  /** 'traffic-port' or a port number as a string (AWS shape). */
  port: string;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Matcher.HttpCode: '200', '200,202', '200-299'. */
  matcher: string;
}

export interface TargetGroupSpec {
  arn: string;
  name: string;
  /** The `targetgroup/<name>/<id>` part of the ARN (CloudWatch dimension). */
  dimension: string;
  protocol: 'HTTP' | 'HTTPS' | 'TCP';
  port?: number;
  targetType: TargetType;
  healthCheck: HealthCheckSpec;
  deregistrationDelaySeconds: number;
  slowStartSeconds: number;
  algorithm: 'round_robin' | 'least_outstanding_requests';
  stickiness: { enabled: boolean; durationSeconds: number };
  /** Target-group override of the load balancer's cross-zone setting (undefined = use the load balancer's). */
  crossZone?: boolean;
}

export interface LoadBalancerSpec {
  arn: string;
  name: string;
  /** The `app/<name>/<id>` or `net/<name>/<id>` part of the ARN (CloudWatch dimension). */
  dimension: string;
  type: LbType;
  /** Enabled Availability Zones (from its subnets). */
  zones: string[];
  /** Where its listeners bind (its own bridge address when root, 127.0.0.1 otherwise). */
  address: string;
  idleTimeoutSeconds: number;
  crossZone: boolean;
  /** routing.http.drop_invalid_header_fields.enabled */
  dropInvalidHeaders: boolean;
  /** routing.http.xff_header_processing.mode: append | preserve | remove */
  xffMode: 'append' | 'preserve' | 'remove';
}

export interface ForwardSpec {
  type: 'forward';
  targetGroups: Array<{ arn: string; weight: number }>;
  stickiness?: { enabled: boolean; durationSeconds: number };
}
export interface FixedResponseSpec {
  type: 'fixed-response';
  statusCode: number;
  contentType?: string;
  body?: string;
}
export interface RedirectSpec {
  type: 'redirect';
  protocol: string;
  port: string;
  host: string;
  path: string;
  query: string;
  statusCode: 301 | 302;
}
export type ActionSpec = ForwardSpec | FixedResponseSpec | RedirectSpec;

export type ConditionSpec =
  | { field: 'path-pattern'; values: string[] }
  | { field: 'host-header'; values: string[] }
  | { field: 'http-header'; name: string; values: string[] }
  | { field: 'http-request-method'; values: string[] }
  | { field: 'query-string'; values: Array<{ key?: string; value: string }> }
  | { field: 'source-ip'; values: string[] };

export interface RuleSpec {
  arn: string;
  priority: number;
  conditions: ConditionSpec[];
  action: ActionSpec;
}

export interface ListenerSpec {
  arn: string;
  lbArn: string;
  protocol: 'HTTP' | 'HTTPS' | 'TCP';
  port: number;
  defaultAction: ActionSpec;
  rules: RuleSpec[];
}

/** What a listener really listens on. */
export interface BoundAddress {
  host: string;
  port: number;
}

export interface TargetRef {
  id: string;
  port?: number;
  availabilityZone?: string;
}

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';
export type TargetReason =
  | 'Elb.RegistrationInProgress' | 'Elb.InitialHealthChecking' | 'Target.ResponseCodeMismatch' | 'Target.Timeout'
  | 'Target.FailedHealthChecks' | 'Target.NotRegistered' | 'Target.NotInUse' | 'Target.DeregistrationInProgress'
  | 'Target.InvalidState' | 'Target.IpUnusable' | 'Target.HealthCheckDisabled' | 'Elb.InternalError';

export interface TargetHealthInfo {
  id: string;
  port: number;
  availabilityZone?: string;
  healthCheckPort: string;
  state: TargetState;
  reason?: TargetReason;
  description?: string;
}

/** Where an instance target really is (from the EC2 store). */
export interface InstanceInfo {
  ip: string;
  az: string;
  /** EC2 instance state name: pending | running | stopping | stopped | shutting-down | terminated. */
  state: string;
}

/** Looks instance targets up in EC2 (their private IP, zone and state). */
export interface TargetResolver {
  instance(id: string): InstanceInfo | undefined;
}

/** ALB request/response for Lambda targets (the AWS "ALB event" shapes). */
export interface AlbLambdaEvent {
  requestContext: { elb: { targetGroupArn: string } };
  httpMethod: string;
  path: string;
  queryStringParameters: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}
export interface AlbLambdaResult {
  statusCode?: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** The port the lead wires to the Lambda engine: invoke a function (ARN, optionally qualified) synchronously. */
export interface LambdaTargetInvoker {
  invoke(functionArn: string, event: AlbLambdaEvent): Promise<AlbLambdaResult>;
  /** Whether the function exists (RegisterTargets answers InvalidTarget otherwise). */
  exists?(functionArn: string): boolean;
}

/** One CloudWatch datapoint, shaped like PutMetricData's MetricDatum plus its namespace. */
export interface MetricPoint {
  /** Whose metric it is (from the load balancer's ARN). */
  account: string;
  region: string;
  Namespace: 'AWS/ApplicationELB' | 'AWS/NetworkELB';
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: string }>;
  Timestamp: Date;
  Unit: 'Count' | 'Seconds' | 'None';
  Value?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
}

/** Adds/removes the addresses load balancers listen on. */
export interface AddressProvider {
  /** Picks (and plumbs) an address for a new load balancer in these subnets (CIDRs). */
  allocate(subnetCidrs: string[]): Promise<string>;
  /** Plumbs an address again after a restart. */
  restore(address: string): Promise<void>;
  release(address: string): Promise<void>;
  /** Removes every address (Nimbus shuts down; restore() brings them back at the next start). */
  close(): Promise<void>;
}
