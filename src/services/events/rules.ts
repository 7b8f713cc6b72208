import type { EventsEngine, RuleDoc } from '../../engines/events/index.ts';
import type { RequestContext } from '../../gateway/context.ts';
import type { Operations } from './generated/operations.ts';
import type { Rule } from './generated/shapes.ts';

// Rules: PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule, ListRuleNamesByTarget.

export type EventsHandlers<K extends keyof Operations> = {
  [P in K]: (input: Operations[P]['input'], ctx: RequestContext) => Operations[P]['output'] | Promise<Operations[P]['output']>;
};

export const scope = (ctx: RequestContext) => ({ account: ctx.account, region: ctx.region });

export function ruleShape(r: RuleDoc): Rule & { CreatedBy?: string } {
  return {
    Name: r.name, Arn: r.arn, EventPattern: r.eventPattern, ScheduleExpression: r.scheduleExpression, State: r.state,
    Description: r.description, RoleArn: r.roleArn, EventBusName: r.bus,
  };
}

type RuleOps = 'PutRule' | 'DescribeRule' | 'ListRules' | 'DeleteRule' | 'EnableRule' | 'DisableRule' | 'ListRuleNamesByTarget';

export function ruleHandlers(engine: EventsEngine): EventsHandlers<RuleOps> {
  return {
    PutRule(input, ctx) {
      const r = engine.putRule(scope(ctx), {
        name: input.Name, bus: input.EventBusName, scheduleExpression: input.ScheduleExpression, eventPattern: input.EventPattern,
        state: input.State, description: input.Description, roleArn: input.RoleArn,
        tags: input.Tags ? Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value])) : undefined,
      });
      return { RuleArn: r.arn };
    },
    DescribeRule(input, ctx) {
      const r = engine.rule(scope(ctx), input.Name, input.EventBusName);
      return { ...ruleShape(r), CreatedBy: r.createdBy };
    },
    ListRules(input, ctx) {
      const out = engine.listRules(scope(ctx), { prefix: input.NamePrefix, bus: input.EventBusName, limit: input.Limit, nextToken: input.NextToken });
      return { Rules: out.rules.map(ruleShape), NextToken: out.nextToken };
    },
    DeleteRule(input, ctx) {
      engine.deleteRule(scope(ctx), input.Name, input.EventBusName, input.Force);
    },
    EnableRule(input, ctx) {
      engine.setState(scope(ctx), input.Name, input.EventBusName, true);
    },
    DisableRule(input, ctx) {
      engine.setState(scope(ctx), input.Name, input.EventBusName, false);
    },
    ListRuleNamesByTarget(input, ctx) {
      const out = engine.ruleNamesByTarget(scope(ctx), input.TargetArn, { bus: input.EventBusName, limit: input.Limit, nextToken: input.NextToken });
      return { RuleNames: out.names, NextToken: out.nextToken };
    },
  };
}
