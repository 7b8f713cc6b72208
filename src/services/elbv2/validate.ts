import { isValidCidr } from '../../engines/network/ipam.ts';
import type { ActionSpec, ConditionSpec, HealthCheckSpec } from '../../engines/loadbalancer/index.ts';
import { InvalidLoadBalancerAction, LIMITS, TooManyActions, ValidationError } from './errors.ts';
import type * as S from './generated/shapes.ts';

// Input checks with AWS's messages, and the API shapes → engine specs conversions.

export function checkName(kind: 'load balancer' | 'target group', name: string | undefined): string {
  if (!name) throw new ValidationError(`A ${kind} name must be specified`);
  if (name.length > 32) throw new ValidationError(`The ${kind} name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name) || name.startsWith('-') || name.endsWith('-')) {
    throw new ValidationError(`${kind === 'load balancer' ? 'Load balancer' : 'Target group'} names can contain only alphanumeric characters and hyphens, and cannot begin or end with a hyphen`);
  }
  if (kind === 'load balancer' && name.toLowerCase().startsWith('internal-')) throw new ValidationError("Load balancer names cannot start with 'internal-'");
  return name;
}

export function checkPort(port: number | undefined, what = 'port'): number {
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) throw new ValidationError(`The ${what} '${port}' is not valid: it must be between 1 and 65535`);
  return port;
}

export function intIn(v: number | undefined, lo: number, hi: number, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new ValidationError(`1 validation error detected: Value '${v}' at '${name}' failed to satisfy constraint: Member must have value between ${lo} and ${hi}`);
  return v;
}

const MATCHER = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;

/** Health check settings after defaults (AWS defaults per target group protocol/type). */
export function healthCheckFrom(
  input: Partial<Pick<S.CreateTargetGroupInput, 'HealthCheckProtocol' | 'HealthCheckPort' | 'HealthCheckEnabled' | 'HealthCheckPath' | 'HealthCheckIntervalSeconds' | 'HealthCheckTimeoutSeconds' | 'HealthyThresholdCount' | 'UnhealthyThresholdCount' | 'Matcher'>>,
  base: HealthCheckSpec,
  targetType: string,
): HealthCheckSpec {
  const protocol = (input.HealthCheckProtocol ?? base.protocol) as HealthCheckSpec['protocol'];
  if (!['HTTP', 'TCP'].includes(protocol)) throw new ValidationError(`Health check protocol '${protocol}' is not supported (Nimbus checks HTTP and TCP)`);
  const port = input.HealthCheckPort ?? base.port;
  if (port !== 'traffic-port') checkPort(Number(port), 'health check port');
  const path = input.HealthCheckPath ?? base.path;
  if (input.HealthCheckPath !== undefined && protocol === 'TCP') throw new ValidationError('Health check path is not supported for the TCP protocol');
  if (!path.startsWith('/') || path.length > 1024) throw new ValidationError(`Health check path '${path}' must begin with a '/' character, and can be at most 1024 characters in length`);
  const matcher = input.Matcher?.HttpCode ?? base.matcher;
  if (input.Matcher?.GrpcCode) throw new ValidationError('gRPC health check matchers are not supported');
  if (!MATCHER.test(matcher)) throw new ValidationError(`Health check matcher HTTP code '${matcher}' must be within '200-499' (e.g. '200', '200,202', '200-299')`);
  for (const n of matcher.split(/[,-]/).map(Number)) if (n < 200 || n > 499) throw new ValidationError(`Health check matcher HTTP code '${matcher}' must be within '200-499'`);
  const hc: HealthCheckSpec = {
    enabled: input.HealthCheckEnabled ?? base.enabled,
    protocol, port, path, matcher,
    intervalSeconds: intIn(input.HealthCheckIntervalSeconds, 5, 300, 'healthCheckIntervalSeconds') ?? base.intervalSeconds,
    timeoutSeconds: intIn(input.HealthCheckTimeoutSeconds, 2, 120, 'healthCheckTimeoutSeconds') ?? base.timeoutSeconds,
    healthyThreshold: intIn(input.HealthyThresholdCount, 2, 10, 'healthyThresholdCount') ?? base.healthyThreshold,
    unhealthyThreshold: intIn(input.UnhealthyThresholdCount, 2, 10, 'unhealthyThresholdCount') ?? base.unhealthyThreshold,
  };
  if (hc.timeoutSeconds >= hc.intervalSeconds && targetType !== 'lambda') {
    throw new ValidationError(`Health check timeout '${hc.timeoutSeconds}' must be smaller than the interval '${hc.intervalSeconds}'`);
  }
  return hc;
}

export function defaultHealthCheck(protocol: string | undefined, targetType: string): HealthCheckSpec {
  if (targetType === 'lambda') return { enabled: false, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 35, timeoutSeconds: 30, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200' };
  if (protocol === 'TCP') return { enabled: true, protocol: 'TCP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 10, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200-399' };
  return { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200' };
}

const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

/**
 * One listener/rule action list → the API shape we store and return (AWS fills ForwardConfig in) and the engine's
 * spec. `tgExists` throws TargetGroupNotFound.
 */
export function parseActions(actions: S.Action[] | undefined, lbType: string, tgExists: (arn: string) => void): { api: S.Action[]; spec: ActionSpec } {
  if (!actions?.length) throw new ValidationError('At least one action must be specified');
  if (actions.length > LIMITS.actionsPerRule) throw new TooManyActions(`A rule or listener can have at most ${LIMITS.actionsPerRule} actions`);
  const terminal = actions.filter((a) => ['forward', 'fixed-response', 'redirect'].includes(a.Type));
  if (actions.some((a) => a.Type.startsWith('authenticate') || a.Type === 'jwt-validation')) {
    throw new InvalidLoadBalancerAction(`Action type '${actions.find((a) => a.Type.startsWith('authenticate') || a.Type === 'jwt-validation')!.Type}' is not supported by Nimbus`);
  }
  if (terminal.length !== 1) throw new InvalidLoadBalancerAction('You must specify exactly one of the following action types: forward, redirect, fixed-response');
  const a = terminal[0]!;
  if (lbType === 'network' && a.Type !== 'forward') throw new InvalidLoadBalancerAction(`Action type '${a.Type}' must be one of 'forward' for network load balancers`);
  switch (a.Type) {
    case 'forward': {
      let groups: Array<{ arn: string; weight: number }>;
      if (a.ForwardConfig?.TargetGroups?.length) {
        groups = a.ForwardConfig.TargetGroups.map((t) => {
          if (!t.TargetGroupArn) throw new ValidationError('A target group ARN must be specified');
          return { arn: t.TargetGroupArn, weight: intIn(t.Weight, 0, 999, 'weight') ?? 1 };
        });
        if (a.TargetGroupArn && (groups.length !== 1 || groups[0]!.arn !== a.TargetGroupArn)) {
          throw new ValidationError('You cannot specify both a top-level target group ARN and a ForwardConfig with different target groups');
        }
      } else if (a.TargetGroupArn) {
        groups = [{ arn: a.TargetGroupArn, weight: 1 }];
      } else {
        throw new ValidationError("A target group ARN must be specified for the 'forward' action");
      }
      if (groups.length > LIMITS.targetGroupsPerAction) throw new ValidationError(`A forward action can have at most ${LIMITS.targetGroupsPerAction} target groups`);
      if (new Set(groups.map((g) => g.arn)).size !== groups.length) throw new ValidationError('Target groups in a forward action must be unique');
      if (lbType === 'network' && groups.length > 1) throw new ValidationError('Network load balancers forward to one target group');
      for (const g of groups) tgExists(g.arn);
      const stick = a.ForwardConfig?.TargetGroupStickinessConfig;
      const api: S.Action = {
        Type: 'forward', Order: a.Order ?? 1,
        ...(groups.length === 1 ? { TargetGroupArn: groups[0]!.arn } : {}),
        ForwardConfig: {
          TargetGroups: groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
          TargetGroupStickinessConfig: { Enabled: stick?.Enabled ?? false, ...(stick?.DurationSeconds !== undefined ? { DurationSeconds: stick.DurationSeconds } : {}) },
        },
      };
      return { api: [api], spec: { type: 'forward', targetGroups: groups } };
    }
    case 'fixed-response': {
      const c = a.FixedResponseConfig;
      if (!c?.StatusCode || !/^[245]\d\d$/.test(c.StatusCode)) throw new ValidationError(`Fixed response status code '${c?.StatusCode}' must be 2XX, 4XX or 5XX`);
      if (c.ContentType && !CONTENT_TYPES.includes(c.ContentType)) throw new ValidationError(`Content type '${c.ContentType}' must be one of ${CONTENT_TYPES.join(', ')}`);
      if (c.MessageBody && Buffer.byteLength(c.MessageBody) > 1024) throw new ValidationError('The fixed response message body cannot be longer than 1024 characters');
      return {
        api: [{ Type: 'fixed-response', Order: a.Order ?? 1, FixedResponseConfig: { StatusCode: c.StatusCode, ...(c.ContentType ? { ContentType: c.ContentType } : {}), ...(c.MessageBody !== undefined ? { MessageBody: c.MessageBody } : {}) } }],
        spec: { type: 'fixed-response', statusCode: Number(c.StatusCode), contentType: c.ContentType, body: c.MessageBody },
      };
    }
    case 'redirect': {
      const c = a.RedirectConfig;
      if (!c || !['HTTP_301', 'HTTP_302'].includes(c.StatusCode)) throw new ValidationError(`Redirect status code '${c?.StatusCode}' must be HTTP_301 or HTTP_302`);
      const r = { Protocol: c.Protocol ?? '#{protocol}', Port: c.Port ?? '#{port}', Host: c.Host ?? '#{host}', Path: c.Path ?? '/#{path}', Query: c.Query ?? '#{query}', StatusCode: c.StatusCode };
      if (!['HTTP', 'HTTPS', '#{protocol}'].includes(r.Protocol)) throw new ValidationError(`Redirect protocol '${r.Protocol}' must be HTTP, HTTPS or #{protocol}`);
      if (!r.Path.startsWith('/')) throw new ValidationError("The redirect path must start with a '/'");
      if (r.Protocol === '#{protocol}' && r.Port === '#{port}' && r.Host === '#{host}' && r.Path === '/#{path}' && r.Query === '#{query}') {
        throw new ValidationError('The redirect must change at least one of protocol, port, host, path or query, so it does not redirect to itself');
      }
      return {
        api: [{ Type: 'redirect', Order: a.Order ?? 1, RedirectConfig: r }],
        spec: { type: 'redirect', protocol: r.Protocol, port: r.Port, host: r.Host, path: r.Path, query: r.Query, statusCode: r.StatusCode === 'HTTP_301' ? 301 : 302 },
      };
    }
    default:
      throw new InvalidLoadBalancerAction(`Action type '${a.Type}' is not supported`);
  }
}

const FIELDS = ['http-header', 'http-request-method', 'host-header', 'path-pattern', 'query-string', 'source-ip'];

/** Rule conditions → stored API shape (AWS fills both Values and the *Config) + engine spec. */
export function parseConditions(conds: S.RuleCondition[] | undefined): { api: S.RuleCondition[]; spec: ConditionSpec[] } {
  if (!conds?.length) throw new ValidationError('A rule must have at least one condition');
  const api: S.RuleCondition[] = [];
  const spec: ConditionSpec[] = [];
  const seen = new Set<string>();
  let values = 0;
  for (const c of conds) {
    const f = c.Field ?? '';
    if (!FIELDS.includes(f)) throw new ValidationError(`Condition field '${f}' must be one of '[${FIELDS.join(', ')}]'`);
    if (c.RegexValues?.length || c.HostHeaderConfig?.RegexValues?.length || c.PathPatternConfig?.RegexValues?.length || c.HttpHeaderConfig?.RegexValues?.length) {
      throw new ValidationError('Regular expression conditions are not supported by Nimbus');
    }
    if (f !== 'http-header' && f !== 'query-string') {
      if (seen.has(f)) throw new ValidationError(`A rule can only have one '${f}' condition`);
      seen.add(f);
    }
    const pick = (cfg: string[] | undefined) => {
      if (c.Values?.length && cfg?.length && JSON.stringify(c.Values) !== JSON.stringify(cfg)) throw new ValidationError(`You cannot specify both Values and ${f} config for condition '${f}'`);
      const v = cfg?.length ? cfg : c.Values ?? [];
      if (!v.length) throw new ValidationError(`A condition value must be specified for field '${f}'`);
      return v;
    };
    switch (f) {
      case 'path-pattern': {
        const v = pick(c.PathPatternConfig?.Values);
        for (const p of v) if (p.length > 128) throw new ValidationError(`Path pattern '${p}' is longer than 128 characters`);
        api.push({ Field: f, Values: v, PathPatternConfig: { Values: v } });
        spec.push({ field: f, values: v });
        values += v.length;
        break;
      }
      case 'host-header': {
        const v = pick(c.HostHeaderConfig?.Values);
        for (const p of v) if (p.length > 128 || !/^[A-Za-z0-9\-.*?]+$/.test(p)) throw new ValidationError(`Host header value '${p}' is not valid`);
        api.push({ Field: f, Values: v, HostHeaderConfig: { Values: v } });
        spec.push({ field: f, values: v });
        values += v.length;
        break;
      }
      case 'http-header': {
        const h = c.HttpHeaderConfig;
        if (!h?.HttpHeaderName || !/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,40}$/.test(h.HttpHeaderName)) throw new ValidationError('A valid HTTP header name must be specified');
        if (!h.Values?.length) throw new ValidationError('A condition value must be specified for field \'http-header\'');
        api.push({ Field: f, HttpHeaderConfig: { HttpHeaderName: h.HttpHeaderName, Values: h.Values } });
        spec.push({ field: f, name: h.HttpHeaderName, values: h.Values });
        values += h.Values.length;
        break;
      }
      case 'http-request-method': {
        const v = c.HttpRequestMethodConfig?.Values ?? [];
        if (!v.length) throw new ValidationError("A condition value must be specified for field 'http-request-method'");
        for (const m of v) if (!/^[A-Z_-]{1,40}$/.test(m)) throw new ValidationError(`HTTP request method '${m}' is not valid`);
        api.push({ Field: f, HttpRequestMethodConfig: { Values: v } });
        spec.push({ field: f, values: v });
        values += v.length;
        break;
      }
      case 'query-string': {
        const v = c.QueryStringConfig?.Values ?? [];
        if (!v.length) throw new ValidationError("A condition value must be specified for field 'query-string'");
        for (const p of v) if (!p.Value) throw new ValidationError('A query string condition value must be specified');
        api.push({ Field: f, QueryStringConfig: { Values: v.map((p) => ({ ...(p.Key !== undefined ? { Key: p.Key } : {}), Value: p.Value })) } });
        spec.push({ field: f, values: v.map((p) => ({ key: p.Key, value: p.Value! })) });
        values += v.length;
        break;
      }
      case 'source-ip': {
        const v = c.SourceIpConfig?.Values ?? [];
        if (!v.length) throw new ValidationError("A condition value must be specified for field 'source-ip'");
        for (const cidr of v) if (!isValidCidr(cidr) && !cidr.includes(':')) throw new ValidationError(`The source IP '${cidr}' is not a valid CIDR`);
        api.push({ Field: f, SourceIpConfig: { Values: v } });
        spec.push({ field: f, values: v });
        values += v.length;
        break;
      }
    }
  }
  if (values > LIMITS.conditionValuesPerRule) throw new ValidationError(`A rule can have at most ${LIMITS.conditionValuesPerRule} condition values`);
  return { api, spec };
}

/** Engine spec of a stored (already validated) action list. */
export function actionSpecOf(api: S.Action[]): ActionSpec {
  return parseActions(api, 'application', () => undefined).spec;
}

export function conditionSpecOf(api: S.RuleCondition[]): ConditionSpec[] {
  return parseConditions(api).spec;
}
