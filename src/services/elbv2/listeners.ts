import type { RequestContext } from '../../gateway/context.ts';
import {
  defaultRuleShape, hexId, json, listenerShape, listenerSpecOf, mustListener, mustRule, mustTg, page, ruleShape, syncListener, type Elbv2Deps,
} from './common.ts';
import {
  DuplicateListener, IncompatibleProtocols, InvalidConfigurationRequest, LIMITS, ListenerNotFound, LoadBalancerNotFound, OperationNotPermitted, PriorityInUse,
  TargetGroupAssociationLimit, TooManyListeners, TooManyRules, UnsupportedProtocol, ValidationError,
} from './errors.ts';
import type * as S from './generated/shapes.ts';
import type { LbRow, ListenerRow } from './store.ts';
import { putTags } from './tags.ts';
import { checkPort, parseActions, parseConditions } from './validate.ts';

function checkProtocol(lb: LbRow, protocol: string | undefined): 'HTTP' | 'TCP' {
  if (!protocol) throw new ValidationError('A listener protocol must be specified');
  if (['HTTPS', 'TLS'].includes(protocol)) throw new UnsupportedProtocol(`Protocol '${protocol}' needs certificates, which Nimbus does not support yet`);
  if (['UDP', 'TCP_UDP', 'GENEVE', 'QUIC', 'TCP_QUIC'].includes(protocol)) throw new UnsupportedProtocol(`Protocol '${protocol}' is not supported by Nimbus`);
  if (lb.type === 'application' && protocol !== 'HTTP') throw new ValidationError(`Listener protocol '${protocol}' must be one of 'HTTPS, HTTP'`);
  if (lb.type === 'network' && protocol !== 'TCP') throw new ValidationError(`Listener protocol '${protocol}' must be one of 'TCP, TLS, UDP, TCP_UDP'`);
  return protocol as 'HTTP' | 'TCP';
}

/** Parses actions for a listener/rule of this load balancer; target groups must exist, fit its type, and serve no other load balancer. */
export function actionsFor(d: Elbv2Deps, ctx: RequestContext, lb: LbRow, actions: S.Action[] | undefined) {
  return parseActions(actions, lb.type, (arn) => {
    const tg = mustTg(d, ctx, arn);
    const spec = json<{ protocol?: string; targetType: string }>(tg.spec);
    if (lb.type === 'network' && (spec.targetType === 'lambda' || spec.protocol !== 'TCP')) {
      throw new IncompatibleProtocols(`Target group '${arn}' (${spec.targetType === 'lambda' ? 'lambda' : spec.protocol}) cannot be used with a network load balancer TCP listener`);
    }
    if (lb.type === 'application' && spec.targetType !== 'lambda' && spec.protocol !== 'HTTP') {
      throw new IncompatibleProtocols(`Target group '${arn}' uses protocol ${spec.protocol}; application load balancers need HTTP target groups`);
    }
    const others = d.engine.loadBalancersOf(arn).filter((a) => a !== lb.arn);
    if (others.length) throw new TargetGroupAssociationLimit(`The following target groups cannot be associated with more than one load balancer: ${arn}`);
  });
}

export function listenerHandlers(d: Elbv2Deps) {
  return {
    async CreateListener(input: S.CreateListenerInput, ctx: RequestContext): Promise<S.CreateListenerOutput> {
      const lb = d.store.lb(input.LoadBalancerArn);
      if (!lb || lb.account !== ctx.account || lb.region !== ctx.region) throw new LoadBalancerNotFound(`Load balancer '${input.LoadBalancerArn}' not found`);
      const protocol = checkProtocol(lb, input.Protocol);
      const port = checkPort(input.Port);
      const actions = actionsFor(d, ctx, lb, input.DefaultActions);
      const listeners = d.store.listeners(lb.arn);
      const dup = listeners.find((l) => l.port === port);
      if (dup) {
        if (dup.protocol === protocol && dup.default_actions === JSON.stringify(actions.api)) return { Listeners: [listenerShape(dup)] };
        throw new DuplicateListener('A listener already exists on this port for this load balancer');
      }
      if (listeners.length >= LIMITS.listenersPerLoadBalancer) throw new TooManyListeners(`You've reached the limit of ${LIMITS.listenersPerLoadBalancer} listeners per load balancer`);
      const lbPart = lb.arn.slice(lb.arn.indexOf(':loadbalancer/') + ':loadbalancer/'.length);
      const row: ListenerRow = {
        arn: `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}:listener/${lbPart}/${hexId(d.ids)}`, lb_arn: lb.arn, protocol, port,
        default_actions: JSON.stringify(actions.api), created_at: d.clock.now(),
      };
      d.store.tx(() => {
        d.store.insertListener(row);
        putTags(d, row.arn, input.Tags ?? []);
      });
      try {
        await d.engine.putListener(listenerSpecOf(d, row));
      } catch (err) {
        d.store.deleteListener(row.arn);
        throw new InvalidConfigurationRequest(`Nimbus could not listen on ${lb.address}:${port}: ${(err as Error).message}`);
      }
      return { Listeners: [listenerShape(row)] };
    },

    DescribeListeners(input: S.DescribeListenersInput, ctx: RequestContext): S.DescribeListenersOutput {
      let rows: ListenerRow[];
      if (input.ListenerArns?.length) {
        rows = input.ListenerArns.map((arn) => mustListener(d, ctx, arn).listener);
      } else if (input.LoadBalancerArn) {
        const lb = d.store.lb(input.LoadBalancerArn);
        if (!lb || lb.account !== ctx.account || lb.region !== ctx.region) throw new LoadBalancerNotFound(`Load balancer '${input.LoadBalancerArn}' not found`);
        rows = d.store.listeners(lb.arn);
      } else {
        throw new ValidationError('You must specify either listener ARNs or a load balancer ARN');
      }
      const p = page(rows, input.Marker, input.PageSize);
      return { Listeners: p.items.map(listenerShape), ...(p.next ? { NextMarker: p.next } : {}) };
    },

    async ModifyListener(input: S.ModifyListenerInput, ctx: RequestContext): Promise<S.ModifyListenerOutput> {
      const { listener, lb } = mustListener(d, ctx, input.ListenerArn);
      const protocol = input.Protocol !== undefined ? checkProtocol(lb, input.Protocol) : listener.protocol;
      const port = input.Port !== undefined ? checkPort(input.Port) : listener.port;
      if (port !== listener.port && d.store.listeners(lb.arn).some((l) => l.port === port)) throw new DuplicateListener('A listener already exists on this port for this load balancer');
      const actions = input.DefaultActions ? JSON.stringify(actionsFor(d, ctx, lb, input.DefaultActions).api) : listener.default_actions;
      const next: ListenerRow = { ...listener, protocol, port, default_actions: actions };
      d.store.updateListener(next);
      try {
        await d.engine.putListener(listenerSpecOf(d, next));
      } catch (err) {
        d.store.updateListener(listener);
        await d.engine.putListener(listenerSpecOf(d, listener)).catch(() => undefined);
        throw new InvalidConfigurationRequest(`Nimbus could not listen on ${lb.address}:${port}: ${(err as Error).message}`);
      }
      return { Listeners: [listenerShape(next)] };
    },

    async DeleteListener(input: S.DeleteListenerInput, ctx: RequestContext): Promise<S.DeleteListenerOutput> {
      const { listener } = mustListener(d, ctx, input.ListenerArn);
      d.store.tx(() => d.store.deleteListener(listener.arn));
      await d.engine.closeListener(listener.arn);
      return {};
    },

    // ---- rules

    async CreateRule(input: S.CreateRuleInput, ctx: RequestContext): Promise<S.CreateRuleOutput> {
      const { listener, lb } = mustListener(d, ctx, input.ListenerArn);
      if (lb.type === 'network') throw new InvalidConfigurationRequest('Network load balancer listeners do not support rules');
      if (!Number.isInteger(input.Priority) || input.Priority < 1 || input.Priority > 50000) throw new ValidationError(`Priority '${input.Priority}' must be between 1 and 50000`);
      const conds = parseConditions(input.Conditions);
      const actions = actionsFor(d, ctx, lb, input.Actions);
      if (input.Transforms?.length) throw new ValidationError('Rule transforms are not supported by Nimbus');
      const rules = d.store.rules(listener.arn);
      if (rules.some((r) => r.priority === input.Priority)) throw new PriorityInUse(`Priority '${input.Priority}' is currently in use`);
      if (rules.length >= LIMITS.rulesPerListener) throw new TooManyRules(`You've reached the limit of ${LIMITS.rulesPerListener} rules per listener`);
      const row = {
        arn: `${listener.arn.replace(':listener/', ':listener-rule/')}/${hexId(d.ids)}`, listener_arn: listener.arn, priority: input.Priority,
        conditions: JSON.stringify(conds.api), actions: JSON.stringify(actions.api), created_at: d.clock.now(),
      };
      d.store.tx(() => {
        d.store.insertRule(row);
        putTags(d, row.arn, input.Tags ?? []);
      });
      await syncListener(d, listener.arn);
      return { Rules: [ruleShape(row)] };
    },

    DescribeRules(input: S.DescribeRulesInput, ctx: RequestContext): S.DescribeRulesOutput {
      let rules: S.Rule[];
      if (input.RuleArns?.length) {
        rules = input.RuleArns.map((arn) => {
          const r = mustRule(d, ctx, arn);
          return r.rule ? ruleShape(r.rule) : defaultRuleShape(r.listener);
        });
      } else if (input.ListenerArn) {
        const { listener } = mustListener(d, ctx, input.ListenerArn);
        rules = [...d.store.rules(listener.arn).map(ruleShape), defaultRuleShape(listener)];
      } else {
        throw new ValidationError('You must specify either listener ARN or rule ARNs');
      }
      const p = page(rules, input.Marker, input.PageSize);
      return { Rules: p.items, ...(p.next ? { NextMarker: p.next } : {}) };
    },

    async ModifyRule(input: S.ModifyRuleInput, ctx: RequestContext): Promise<S.ModifyRuleOutput> {
      const { rule, listener, lb } = mustRule(d, ctx, input.RuleArn);
      const actions = input.Actions ? JSON.stringify(actionsFor(d, ctx, lb, input.Actions).api) : undefined;
      if (input.Transforms?.length) throw new ValidationError('Rule transforms are not supported by Nimbus');
      if (!rule) {
        // The default rule: only its actions can change (they are the listener's default actions).
        if (input.Conditions?.length) throw new OperationNotPermitted('Conditions cannot be set on the default rule');
        const next = { ...listener, default_actions: actions ?? listener.default_actions };
        d.store.updateListener(next);
        await syncListener(d, listener.arn);
        return { Rules: [defaultRuleShape(next)] };
      }
      const conditions = input.Conditions ? JSON.stringify(parseConditions(input.Conditions).api) : rule.conditions;
      d.store.updateRule(rule.arn, conditions, actions ?? rule.actions);
      await syncListener(d, listener.arn);
      return { Rules: [ruleShape(d.store.rule(rule.arn)!)] };
    },

    async DeleteRule(input: S.DeleteRuleInput, ctx: RequestContext): Promise<S.DeleteRuleOutput> {
      const { rule, listener } = mustRule(d, ctx, input.RuleArn);
      if (!rule) throw new OperationNotPermitted('Default rule cannot be deleted');
      d.store.tx(() => d.store.deleteRule(rule.arn));
      await syncListener(d, listener.arn);
      return {};
    },

    async SetRulePriorities(input: S.SetRulePrioritiesInput, ctx: RequestContext): Promise<S.SetRulePrioritiesOutput> {
      if (!input.RulePriorities?.length) throw new ValidationError('At least one rule priority must be specified');
      const items = input.RulePriorities.map((p) => {
        const r = mustRule(d, ctx, p.RuleArn ?? '');
        if (!r.rule) throw new OperationNotPermitted('The default rule priority cannot be changed');
        if (p.Priority === undefined || p.Priority < 1 || p.Priority > 50000) throw new ValidationError(`Priority '${p.Priority}' must be between 1 and 50000`);
        return { rule: r.rule, priority: p.Priority };
      });
      const listeners = new Set(items.map((i) => i.rule.listener_arn));
      for (const l of listeners) {
        const moving = new Set(items.filter((i) => i.rule.listener_arn === l).map((i) => i.rule.arn));
        const taken = new Set(d.store.rules(l).filter((r) => !moving.has(r.arn)).map((r) => r.priority));
        const wanted = items.filter((i) => i.rule.listener_arn === l).map((i) => i.priority);
        if (new Set(wanted).size !== wanted.length || wanted.some((p) => taken.has(p))) throw new PriorityInUse('Priority is currently in use');
      }
      d.store.tx(() => {
        for (const i of items) d.store.setPriority(i.rule.arn, i.priority);
      });
      for (const l of listeners) await syncListener(d, l);
      return { Rules: items.map((i) => ruleShape(d.store.rule(i.rule.arn)!)) };
    },
  };
}

export { ListenerNotFound };
