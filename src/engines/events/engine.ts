import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { realScheduler, type Scheduler } from '../queue/scheduler.ts';
import { nextFire, parseSchedule, ScheduleError, type Schedule } from './cron.ts';
import { InvalidEventPatternException, LimitExceededException, ResourceNotFoundException, ValidationException } from './errors.ts';
import { checkPath, InputError, renderInput } from './input.ts';
import { compilePattern, PatternError, type CompiledPattern } from './pattern.ts';
import { EventsStore } from './store.ts';
import type { DeliveryResult, EventEntry, RuleDoc, RuleStateName, Scope, TargetDoc, TargetPorts } from './types.ts';

// EventBridge's engine: rules on the default event bus (event patterns and schedules), their targets, the delivery
// of matched and scheduled events (Lambda asynchronously, SQS, SNS) with retries and dead-letter queues.
//
// Time: schedules run on the injected Clock and wake through an injected Scheduler (the real timers by default; a
// ManualScheduler in tests, or call tick() after moving a ManualClock). Rules live in SQLite; at start every schedule
// is recomputed from now, so firings missed while Nimbus was down are not replayed (as on AWS).

export const DEFAULT_BUS = 'default';
export const MAX_RULES_PER_BUS = 300;
export const MAX_TARGETS_PER_RULE = 5;
export const MAX_PUT_EVENTS_ENTRIES = 10;
export const MAX_EVENT_BYTES = 256 * 1024;
/** Occurrences one schedule may fire in one tick when time jumped (a stalled process, a test moving the clock). */
export const MAX_CATCH_UP = 10;
const NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const TARGET_ID_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const ARN_RE = /^arn:aws[a-zA-Z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/;
const MAX_TIMER_MS = 6 * 3600_000;

export interface EventsEngineOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  scheduler?: Scheduler;
  ports?: TargetPorts;
  /** First retry delay of a failed delivery (doubles each attempt, capped at a minute). */
  retryBaseMs?: number;
}

interface Armed {
  schedule: Schedule;
  next?: number;
}

export interface PutRuleInput {
  name: string;
  bus?: string;
  scheduleExpression?: string;
  eventPattern?: string;
  state?: string;
  description?: string;
  roleArn?: string;
  tags?: Record<string, string>;
}

export interface PutEventsResultEntry {
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class EventsEngine {
  private rules = new Map<string, RuleDoc>();
  private patterns = new Map<string, CompiledPattern>();
  private armed = new Map<string, Armed>();
  private store: EventsStore;
  private scheduler: Scheduler;
  private timer?: unknown;
  private timerAt?: number;
  private retryTimers = new Set<unknown>();
  private inflight = new Set<Promise<void>>();
  private closed = false;
  ports: TargetPorts;

  constructor(private o: EventsEngineOptions) {
    this.store = new EventsStore(o.db);
    this.scheduler = o.scheduler ?? realScheduler;
    this.ports = o.ports ?? {};
    const now = o.clock.now();
    for (const r of this.store.rules()) {
      this.rules.set(keyOf(r), r);
      this.index(r, now);
    }
  }

  /** Arms the schedule timer (call once the targets are wired). */
  start(): void {
    this.rearm();
  }

  // --- rules -------------------------------------------------------------------------------------------------------

  private busOf(bus: string | undefined): string {
    if (bus === undefined || bus === DEFAULT_BUS) return DEFAULT_BUS;
    const m = /^arn:aws[a-zA-Z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/(.+)$/.exec(bus);
    if (m && m[1] === DEFAULT_BUS) return DEFAULT_BUS;
    throw new ResourceNotFoundException(`Event bus ${m ? m[1] : bus} does not exist.`);
  }

  ruleArn(s: Scope, bus: string, name: string): string {
    return `arn:aws:events:${s.region}:${s.account}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${name}`;
  }

  private checkName(name: string | undefined): string {
    if (!name || !NAME_RE.test(name)) {
      throw new ValidationException(`1 validation error detected: Value '${name ?? ''}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64`);
    }
    return name;
  }

  /** The rule, or ResourceNotFoundException as AWS words it. */
  rule(s: Scope, name: string, bus?: string): RuleDoc {
    const b = this.busOf(bus);
    const r = this.rules.get(`${s.account}/${s.region}/${b}/${name}`);
    if (!r) throw new ResourceNotFoundException(`Rule ${name} does not exist on EventBus ${b}.`);
    return r;
  }

  putRule(s: Scope, input: PutRuleInput): RuleDoc {
    const name = this.checkName(input.name);
    const bus = this.busOf(input.bus);
    if (!input.scheduleExpression && !input.eventPattern) throw new ValidationException('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    if (input.scheduleExpression) {
      if (bus !== DEFAULT_BUS) throw new ValidationException('ScheduleExpression is supported only on the default event bus.');
      try {
        parseSchedule(input.scheduleExpression);
      } catch (err) {
        if (err instanceof ScheduleError) throw new ValidationException(`Parameter ScheduleExpression is not valid. Reason: ${err.message}.`);
        throw err;
      }
    }
    if (input.eventPattern) {
      try {
        compilePattern(input.eventPattern);
      } catch (err) {
        if (err instanceof PatternError) throw new InvalidEventPatternException(`Event pattern is not valid. Reason: ${err.message}`);
        throw err;
      }
    }
    const state = (input.state ?? 'ENABLED') as RuleStateName;
    if (!['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'].includes(state)) {
      throw new ValidationException(`1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]`);
    }
    if ((input.description?.length ?? 0) > 512) throw new ValidationException("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512");
    const k = `${s.account}/${s.region}/${bus}/${name}`;
    const old = this.rules.get(k);
    if (!old && [...this.rules.values()].filter((r) => r.account === s.account && r.region === s.region && r.bus === bus).length >= MAX_RULES_PER_BUS) {
      throw new LimitExceededException(`The requested resource exceeds the maximum number allowed (${MAX_RULES_PER_BUS} rules per event bus).`);
    }
    const now = this.o.clock.now();
    const keepAnchor = old && old.scheduleExpression === input.scheduleExpression && old.state !== 'DISABLED' && state !== 'DISABLED';
    // PutRule replaces the rule: omitted fields are not kept (AWS); targets and tags stay.
    const r: RuleDoc = {
      account: s.account, region: s.region, bus, name, arn: this.ruleArn(s, bus, name),
      eventPattern: input.eventPattern || undefined, scheduleExpression: input.scheduleExpression || undefined, state,
      description: input.description, roleArn: input.roleArn, createdBy: s.account,
      scheduleAnchor: input.scheduleExpression ? (keepAnchor ? old!.scheduleAnchor ?? now : now) : undefined,
      targets: old?.targets ?? [], tags: { ...(old?.tags ?? {}), ...(input.tags ?? {}) }, createdAt: old?.createdAt ?? now,
    };
    this.save(r);
    return r;
  }

  private save(r: RuleDoc): void {
    this.store.save(r);
    this.rules.set(keyOf(r), r);
    this.index(r, this.o.clock.now());
    this.rearm();
  }

  /** Refreshes the compiled pattern and the armed schedule of a rule. */
  private index(r: RuleDoc, now: number): void {
    const k = keyOf(r);
    if (r.eventPattern) {
      if (this.patterns.get(k)?.source !== r.eventPattern) this.patterns.set(k, compilePattern(r.eventPattern));
    } else this.patterns.delete(k);
    if (r.scheduleExpression && r.state !== 'DISABLED') {
      const schedule = parseSchedule(r.scheduleExpression);
      this.armed.set(k, { schedule, next: nextFire(schedule, now, r.scheduleAnchor ?? now) });
    } else this.armed.delete(k);
  }

  deleteRule(s: Scope, name: string, bus?: string, force = false): void {
    this.checkName(name);
    const b = this.busOf(bus);
    const r = this.rules.get(`${s.account}/${s.region}/${b}/${name}`);
    if (!r) return; // DeleteRule of a missing rule succeeds (AWS)
    if (r.targets.length && !force) throw new ValidationException("Rule can't be deleted since it has targets.");
    const k = keyOf(r);
    this.store.remove(r);
    this.rules.delete(k);
    this.patterns.delete(k);
    this.armed.delete(k);
    this.rearm();
  }

  setState(s: Scope, name: string, bus: string | undefined, enabled: boolean): void {
    const r = this.rule(s, this.checkName(name), bus);
    const wasDisabled = r.state === 'DISABLED';
    r.state = enabled ? 'ENABLED' : 'DISABLED';
    if (enabled && wasDisabled && r.scheduleExpression) r.scheduleAnchor = this.o.clock.now();
    this.save(r);
  }

  listRules(s: Scope, opts: { prefix?: string; bus?: string; limit?: number; nextToken?: string }): { rules: RuleDoc[]; nextToken?: string } {
    const bus = this.busOf(opts.bus);
    const all = [...this.rules.values()]
      .filter((r) => r.account === s.account && r.region === s.region && r.bus === bus && (!opts.prefix || r.name.startsWith(opts.prefix)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return page(all, (r) => r.name, opts.limit, opts.nextToken);
  }

  ruleNamesByTarget(s: Scope, targetArn: string, opts: { bus?: string; limit?: number; nextToken?: string }): { names: string[]; nextToken?: string } {
    const bus = this.busOf(opts.bus);
    const names = [...this.rules.values()]
      .filter((r) => r.account === s.account && r.region === s.region && r.bus === bus && r.targets.some((t) => t.arn === targetArn))
      .map((r) => r.name).sort();
    const p = page(names, (n) => n, opts.limit, opts.nextToken);
    return { names: p.rules, nextToken: p.nextToken };
  }

  // --- targets -----------------------------------------------------------------------------------------------------

  putTargets(s: Scope, ruleName: string, bus: string | undefined, targets: TargetDoc[]): { failed: { id: string; code: string; message: string }[] } {
    const r = this.rule(s, this.checkName(ruleName), bus);
    if (!targets.length || targets.length > 10) {
      throw new ValidationException(`1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length ${targets.length ? 'less than or equal to 10' : 'greater than or equal to 1'}`);
    }
    for (const t of targets) validateTarget(t);
    const byId = new Map(r.targets.map((t) => [t.id, t]));
    for (const t of targets) byId.set(t.id, t);
    if (byId.size > MAX_TARGETS_PER_RULE) throw new LimitExceededException(`The requested resource exceeds the maximum number allowed (${MAX_TARGETS_PER_RULE} targets per rule).`);
    r.targets = [...byId.values()];
    this.save(r);
    return { failed: [] };
  }

  removeTargets(s: Scope, ruleName: string, bus: string | undefined, ids: string[]): { failed: { id: string; code: string; message: string }[] } {
    const r = this.rule(s, this.checkName(ruleName), bus);
    if (!ids.length || ids.length > 100) throw new ValidationException("1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100");
    const drop = new Set(ids);
    r.targets = r.targets.filter((t) => !drop.has(t.id));
    this.save(r);
    return { failed: [] };
  }

  listTargets(s: Scope, ruleName: string, opts: { bus?: string; limit?: number; nextToken?: string }): { targets: TargetDoc[]; nextToken?: string } {
    const r = this.rule(s, this.checkName(ruleName), opts.bus);
    const p = page(r.targets, (t) => t.id, opts.limit, opts.nextToken, false);
    return { targets: p.rules, nextToken: p.nextToken };
  }

  // --- tags --------------------------------------------------------------------------------------------------------

  private byArn(arn: string): RuleDoc {
    const m = /^arn:aws[a-zA-Z-]*:events:([a-z0-9-]+):(\d{12}):rule\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
    if (!m) throw new ValidationException(`Parameter ResourceARN is not valid. Reason: Provided Arn is not in correct format (Nimbus tags rules only): ${arn}`);
    return this.rule({ region: m[1], account: m[2] }, m[4], m[3]);
  }

  tag(arn: string, tags: Record<string, string>): void {
    const r = this.byArn(arn);
    const merged = { ...r.tags, ...tags };
    if (Object.keys(merged).length > 50) throw new LimitExceededException('The requested resource exceeds the maximum number allowed (50 tags per resource).');
    r.tags = merged;
    this.save(r);
  }

  untag(arn: string, keys: string[]): void {
    const r = this.byArn(arn);
    for (const k of keys) delete r.tags[k];
    this.save(r);
  }

  tagsOf(arn: string): Record<string, string> {
    return this.byArn(arn).tags;
  }

  // --- events ------------------------------------------------------------------------------------------------------

  /** Matches each entry against the enabled pattern rules of its bus and sends it to their targets. */
  putEvents(s: Scope, entries: EventEntry[]): PutEventsResultEntry[] {
    if (!entries.length || entries.length > MAX_PUT_EVENTS_ENTRIES) {
      throw new ValidationException(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${entries.length ? `less than or equal to ${MAX_PUT_EVENTS_ENTRIES}` : 'greater than or equal to 1'}`);
    }
    const size = entries.reduce((n, e) => n + Buffer.byteLength(e.source ?? '') + Buffer.byteLength(e.detailType ?? '') + Buffer.byteLength(e.detail ?? '') + (e.resources ?? []).reduce((m, x) => m + Buffer.byteLength(x), 0), 0);
    if (size > MAX_EVENT_BYTES) throw new ValidationException('Total size of the entries in the request is over the limit.');
    const now = this.o.clock.now();
    return entries.map((e) => {
      const bad = (errorCode: string, errorMessage: string) => ({ errorCode, errorMessage });
      if (!e.source) return bad('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
      if (!e.detailType) return bad('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
      if (!e.detail) return bad('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
      if (e.source.startsWith('aws.')) return bad('NotAuthorizedForSourceException', 'Not authorized for the source.');
      let detail: unknown;
      try {
        detail = JSON.parse(e.detail);
      } catch {
        return bad('MalformedDetail', 'Detail is malformed.');
      }
      if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return bad('MalformedDetail', 'Detail is malformed.');
      let bus: string;
      try {
        bus = this.busOf(e.bus || undefined);
      } catch (err) {
        return bad('ResourceNotFoundException', (err as Error).message);
      }
      const event = {
        version: '0', id: randomUUID(), 'detail-type': e.detailType, source: e.source, account: s.account,
        time: isoSeconds(e.time ?? now), region: s.region, resources: e.resources ?? [], detail,
      };
      this.route(s, bus, event);
      return { eventId: event.id };
    });
  }

  /** TestEventPattern. */
  testPattern(pattern: string, event: string): boolean {
    let compiled: CompiledPattern;
    try {
      compiled = compilePattern(pattern);
    } catch (err) {
      if (err instanceof PatternError) throw new InvalidEventPatternException(`Event pattern is not valid. Reason: ${err.message}`);
      throw err;
    }
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(event) as Record<string, unknown>;
    } catch {
      throw new ValidationException('Parameter Event is not valid.');
    }
    for (const f of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
      if (doc?.[f] === undefined) throw new ValidationException(`Parameter Event is not valid. Reason: Provided Event is missing required field ${f}.`);
    }
    return compiled.match(doc);
  }

  private route(s: Scope, bus: string, event: Record<string, unknown>): void {
    let json: string | undefined;
    for (const [k, p] of this.patterns) {
      const r = this.rules.get(k)!;
      if (r.account !== s.account || r.region !== s.region || r.bus !== bus || r.state === 'DISABLED' || !p.match(event)) continue;
      json ??= JSON.stringify(event);
      for (const t of r.targets) this.dispatch(r, t, event, json, 0, this.o.clock.now());
    }
  }

  // --- schedules ---------------------------------------------------------------------------------------------------

  /** Fires every schedule due at `now` (the timer calls this; tests may too after moving a ManualClock). */
  tick(now = this.o.clock.now()): number {
    let fired = 0;
    for (const [k, a] of this.armed) {
      const r = this.rules.get(k);
      if (!r || r.state === 'DISABLED') continue;
      let n = 0;
      while (a.next !== undefined && a.next <= now && n < MAX_CATCH_UP) {
        this.fire(r, a.next);
        n++;
        a.next = nextFire(a.schedule, a.next, r.scheduleAnchor ?? a.next);
      }
      if (a.next !== undefined && a.next <= now) a.next = nextFire(a.schedule, now, r.scheduleAnchor ?? now);
      fired += n;
    }
    this.rearm();
    return fired;
  }

  /** When each enabled schedule fires next (tests, health). */
  nextFirings(): { arn: string; at: number }[] {
    return [...this.armed].filter(([, a]) => a.next !== undefined).map(([k, a]) => ({ arn: this.rules.get(k)!.arn, at: a.next! }));
  }

  private fire(r: RuleDoc, at: number): void {
    const event = {
      version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: r.account,
      time: isoSeconds(at), region: r.region, resources: [r.arn], detail: {},
    };
    const json = JSON.stringify(event);
    for (const t of r.targets) this.dispatch(r, t, event, json, 0, this.o.clock.now());
  }

  private rearm(): void {
    if (this.closed) return;
    let next: number | undefined;
    for (const a of this.armed.values()) if (a.next !== undefined && (next === undefined || a.next < next)) next = a.next;
    if (next === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.o.clock.now()));
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.tick();
    }, delay, true);
  }

  // --- delivery ----------------------------------------------------------------------------------------------------

  private dispatch(r: RuleDoc, t: TargetDoc, event: Record<string, unknown>, json: string, attempt: number, firstAt: number): void {
    if (this.closed) return;
    let body: string;
    try {
      body = renderInput(t, event, json, r);
    } catch (err) {
      this.o.log.warn({ err, rule: r.arn, target: t.id }, 'events: input transformation failed');
      return;
    }
    const p = this.send(t, body, event).then(async (res) => {
      if (res.ok) return;
      const maxAttempts = t.retry?.maximumRetryAttempts ?? 185;
      const maxAgeMs = (t.retry?.maximumEventAgeInSeconds ?? 86_400) * 1000;
      const age = this.o.clock.now() - firstAt;
      if (res.retryable !== false && attempt < maxAttempts && age < maxAgeMs && !this.closed) {
        const delay = Math.min(60_000, (this.o.retryBaseMs ?? 1000) * 2 ** Math.min(attempt, 16));
        const h = this.scheduler.setTimeout(() => {
          this.retryTimers.delete(h);
          this.dispatch(r, t, event, json, attempt + 1, firstAt);
        }, delay, true);
        this.retryTimers.add(h);
        return;
      }
      this.o.log.warn({ rule: r.arn, target: t.arn, error: res.error, attempts: attempt + 1 }, 'events: delivery failed');
      if (t.deadLetterArn) await this.deadLetter(r, t, json, res.error, attempt + 1, res.retryable === false ? 'NonRetryable' : attempt >= maxAttempts ? 'MaximumRetryAttempts' : 'MaximumEventAgeInSeconds');
    }).catch((err) => this.o.log.error({ err }, 'events: delivery crashed'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async send(t: TargetDoc, body: string, event: Record<string, unknown>): Promise<DeliveryResult> {
    const m = ARN_RE.exec(t.arn);
    if (!m) return { ok: false, error: `bad target ARN ${t.arn}`, retryable: false };
    const [, svc, region, account, rest] = m;
    try {
      if (svc === 'lambda') {
        if (!this.ports.lambda) return { ok: false, error: 'Lambda is not available' };
        return await this.ports.lambda(t.arn, body);
      }
      if (svc === 'sqs') {
        if (!this.ports.sqs) return { ok: false, error: 'SQS is not available' };
        const fifo = rest.endsWith('.fifo');
        await this.ports.sqs({ account, region, name: rest }, body, { messageGroupId: t.messageGroupId, deduplicationId: fifo ? String(event.id) : undefined });
        return { ok: true };
      }
      if (svc === 'sns') {
        if (!this.ports.sns) return { ok: false, error: 'SNS is not available' };
        await this.ports.sns(t.arn, body);
        return { ok: true };
      }
      return { ok: false, error: `unsupported target ${t.arn}`, retryable: false };
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name ?? '';
      // A missing queue/topic or a message SQS refuses is not retried (AWS); anything else is.
      const permanent = /NonExistent|DoesNotExist|NotFound|InvalidParameter|InvalidMessageContents|MissingParameter/i.test(code);
      return { ok: false, error: `${code}: ${(err as Error).message}`, retryable: !permanent };
    }
  }

  private async deadLetter(r: RuleDoc, t: TargetDoc, json: string, error: string, attempts: number, condition: string): Promise<void> {
    const m = ARN_RE.exec(t.deadLetterArn!);
    if (!m || m[1] !== 'sqs' || !this.ports.sqs) return;
    const attrs = {
      RULE_ARN: { DataType: 'String', StringValue: r.arn },
      TARGET_ARN: { DataType: 'String', StringValue: t.arn },
      ERROR_CODE: { DataType: 'String', StringValue: error.split(':')[0] || 'Error' },
      ERROR_MESSAGE: { DataType: 'String', StringValue: error.slice(0, 1000) || 'delivery failed' },
      EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: condition },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(Math.max(0, attempts - 1)) },
    };
    await this.ports.sqs({ account: m[3], region: m[2], name: m[4] }, json, { attributes: attrs }).catch((err) => this.o.log.warn({ err, dlq: t.deadLetterArn }, 'events: dead-letter delivery failed'));
  }

  /** Resolves once every delivery started so far has been handed to its target (tests). */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    for (const h of this.retryTimers) this.scheduler.clearTimeout(h);
    this.retryTimers.clear();
  }
}

function keyOf(r: { account: string; region: string; bus: string; name: string }): string {
  return `${r.account}/${r.region}/${r.bus}/${r.name}`;
}

/** Name-ordered paging: the token is the last key returned (opaque, base64). */
function page<T>(all: T[], keyOfItem: (x: T) => string, limit?: number, token?: string, sorted = true): { rules: T[]; nextToken?: string } {
  if (limit !== undefined && (limit < 1 || limit > 100)) throw new ValidationException(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`);
  let start = 0;
  if (token) {
    let after: string;
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw new ValidationException('The NextToken is not valid.');
    }
    if (!after) throw new ValidationException('The NextToken is not valid.');
    start = sorted ? all.findIndex((x) => keyOfItem(x) > after) : all.findIndex((x) => keyOfItem(x) === after) + 1;
    if (start < 0) start = all.length;
  }
  const n = limit ?? 100;
  const rules = all.slice(start, start + n);
  const more = start + n < all.length;
  return { rules, nextToken: more && rules.length ? Buffer.from(keyOfItem(rules[rules.length - 1])).toString('base64url') : undefined };
}

function validateTarget(t: TargetDoc): void {
  if (!t.id || !TARGET_ID_RE.test(t.id)) {
    throw new ValidationException(`1 validation error detected: Value '${t.id ?? ''}' at 'targets.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`);
  }
  const m = ARN_RE.exec(t.arn ?? '');
  if (!m) throw new ValidationException(`Parameter ${t.arn} is not valid. Reason: Provided Arn is not in correct format.`);
  if (!['lambda', 'sqs', 'sns'].includes(m[1])) throw new ValidationException(`Parameter ${t.arn} is not valid. Reason: Nimbus delivers to Lambda functions, SQS queues and SNS topics only.`);
  if (m[1] === 'lambda' && !/^function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/.test(m[4])) throw new ValidationException(`Parameter ${t.arn} is not valid. Reason: Provided Arn is not in correct format.`);
  if ([t.input, t.inputPath, t.inputTransformer].filter((x) => x !== undefined).length > 1) {
    throw new ValidationException('Only one of Input, InputPath, or InputTransformer must be provided.');
  }
  if (t.input !== undefined) {
    try {
      JSON.parse(t.input);
    } catch {
      throw new ValidationException(`Parameter Input is not valid. Reason: Input must be a valid JSON text.`);
    }
  }
  try {
    if (t.inputPath !== undefined) checkPath(t.inputPath);
    for (const p of Object.values(t.inputTransformer?.inputPathsMap ?? {})) checkPath(p);
  } catch (err) {
    if (err instanceof InputError) throw new ValidationException(`Parameter InputPath is not valid. Reason: ${err.message}`);
    throw err;
  }
  if (t.inputTransformer && (t.inputTransformer.inputTemplate ?? '') === '') throw new ValidationException('InputTemplate must be provided.');
  if (t.arn.includes(':sqs:') && t.arn.endsWith('.fifo') && !t.messageGroupId) throw new ValidationException('Parameter(s) SqsParameters must be specified for target: ' + t.id + '.');
  if (t.deadLetterArn !== undefined && !/^arn:aws[a-zA-Z-]*:sqs:/.test(t.deadLetterArn)) throw new ValidationException('Parameter DeadLetterConfig.Arn is not valid: it must be an SQS queue ARN.');
  const rp = t.retry;
  if (rp?.maximumRetryAttempts !== undefined && (rp.maximumRetryAttempts < 0 || rp.maximumRetryAttempts > 185)) throw new ValidationException('RetryPolicy.MaximumRetryAttempts must be between 0 and 185.');
  if (rp?.maximumEventAgeInSeconds !== undefined && (rp.maximumEventAgeInSeconds < 60 || rp.maximumEventAgeInSeconds > 86_400)) throw new ValidationException('RetryPolicy.MaximumEventAgeInSeconds must be between 60 and 86400.');
}
