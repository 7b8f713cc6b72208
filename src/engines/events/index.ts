// EventBridge engine: rules, schedules (rate/cron), event patterns, target delivery.
export { EventsEngine, DEFAULT_BUS, MAX_RULES_PER_BUS, MAX_TARGETS_PER_RULE, MAX_PUT_EVENTS_ENTRIES, type EventsEngineOptions, type PutRuleInput } from './engine.ts';
export { parseSchedule, parseCron, nextCron, nextFire, ScheduleError, type Schedule, type CronSpec } from './cron.ts';
export { compilePattern, PatternError, type CompiledPattern } from './pattern.ts';
export { renderInput, selectPath, fillTemplate } from './input.ts';
export * from './errors.ts';
export type * from './types.ts';
