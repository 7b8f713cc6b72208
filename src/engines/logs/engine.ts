import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { InvalidParameterException, LimitExceededException, ResourceAlreadyExistsException, ResourceNotFoundException, TooManyTagsException } from './errors.ts';
import { DAY_MS, eventBytes, LIMITS } from './limits.ts';
import { filterLogEvents, getLogEvents, tail, type FilterOptions, type TailOptions } from './queries.ts';
import { LogStoreDb } from './store.ts';
import type { GroupRef, InputEvent, LogEvent, LogGroupState, LogStreamState, RejectedInfo, StreamRef } from './types.ts';
import { checkGroupName, checkRetention, checkStreamName, checkTags } from './validate.ts';

// The log store's state: groups and streams in memory (loaded at open, written through one transaction per
// change), events in SQLite. Appends are group-committed: every event accepted during one turn of the event loop is
// written in a single transaction on the next setImmediate, and PutLogEvents answers only after that COMMIT. Reads
// flush first, so they always see every accepted event. Reading lives in queries.ts.

export interface LogStoreOptions {
  db: Db;
  clock: Clock;
  log?: Logger;
  /** How often events past their group's retention are deleted (ms; 0 = never on a timer). Default 60 s. */
  expireEveryMs?: number;
}

export type LogListener = (events: LogEvent[]) => void;

const key = (account: string, region: string, name: string) => `${account}\n${region}\n${name}`;

export class LogStore {
  readonly clock: Clock;
  readonly sql: LogStoreDb;
  private groups = new Map<string, LogGroupState>();
  private groupsById = new Map<number, LogGroupState>();
  private nextId: number;
  private pendingEvents: LogEvent[] = [];
  private dirtyStreams = new Set<LogStreamState>();
  private pending?: { promise: Promise<void>; resolve(): void; reject(e: unknown): void };
  private scheduled?: NodeJS.Immediate;
  private listeners = new Map<string, Set<LogListener>>();
  private expireTimer?: NodeJS.Timeout;
  private log?: Logger;
  private closed = false;
  /** Transactions that wrote events (for tests and benchmarks). */
  flushes = 0;

  static open(opts: LogStoreOptions): LogStore {
    return new LogStore(opts);
  }

  private constructor(opts: LogStoreOptions) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.sql = new LogStoreDb(opts.db);
    for (const g of this.sql.loadGroups()) {
      this.groups.set(key(g.account, g.region, g.name), g);
      this.groupsById.set(g.id, g);
    }
    this.nextId = this.sql.maxEventId() + 1;
    const every = opts.expireEveryMs ?? 60_000;
    if (every > 0) {
      this.expireTimer = setInterval(() => {
        try {
          this.expire();
        } catch (err) {
          this.log?.error({ err }, 'log retention sweep failed');
        }
      }, every);
      this.expireTimer.unref();
    }
  }

  // --- groups ---

  createLogGroup(ref: GroupRef, opts: { tags?: Record<string, string>; kmsKeyId?: string; logGroupClass?: string } = {}): LogGroupState {
    checkGroupName(ref.name);
    if (this.groups.has(key(ref.account, ref.region, ref.name))) throw new ResourceAlreadyExistsException('The specified log group already exists');
    const tags = opts.tags ?? {};
    checkTags(tags);
    if (Object.keys(tags).length > LIMITS.maxTags) throw new InvalidParameterException(`A log group can have at most ${LIMITS.maxTags} tags`);
    if (opts.logGroupClass && !['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'].includes(opts.logGroupClass)) {
      throw new InvalidParameterException(`Invalid logGroupClass ${opts.logGroupClass}`);
    }
    let count = 0;
    for (const g of this.groups.values()) if (g.account === ref.account && g.region === ref.region) count++;
    if (count >= LIMITS.maxGroups) throw new LimitExceededException('Resource limit exceeded.');
    const g: Omit<LogGroupState, 'id' | 'streams'> = {
      account: ref.account, region: ref.region, name: ref.name, createdAt: this.clock.now(), kmsKeyId: opts.kmsKeyId,
      logGroupClass: opts.logGroupClass ?? 'STANDARD', tags: { ...tags },
    };
    const state: LogGroupState = { ...g, id: this.sql.insertGroup(g), streams: new Map() };
    this.groups.set(key(ref.account, ref.region, ref.name), state);
    this.groupsById.set(state.id, state);
    return state;
  }

  getLogGroup(ref: GroupRef): LogGroupState {
    const g = this.groups.get(key(ref.account, ref.region, ref.name));
    if (!g) throw new ResourceNotFoundException('The specified log group does not exist.');
    return g;
  }

  findLogGroup(ref: GroupRef): LogGroupState | undefined {
    return this.groups.get(key(ref.account, ref.region, ref.name));
  }

  deleteLogGroup(ref: GroupRef): void {
    const g = this.getLogGroup(ref);
    this.flush();
    this.sql.deleteGroup(g.id);
    this.groups.delete(key(ref.account, ref.region, ref.name));
    this.groupsById.delete(g.id);
  }

  /** Groups of an account and region, sorted by name. */
  listLogGroups(account: string, region: string): LogGroupState[] {
    const out: LogGroupState[] = [];
    for (const g of this.groups.values()) if (g.account === account && g.region === region) out.push(g);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  groupById(id: number): LogGroupState | undefined {
    return this.groupsById.get(id);
  }

  storedBytes(g: LogGroupState): number {
    let n = 0;
    for (const s of g.streams.values()) n += s.storedBytes;
    return n;
  }

  putRetentionPolicy(ref: GroupRef, days: number): void {
    const g = this.getLogGroup(ref);
    g.retentionDays = checkRetention(days);
    this.sql.updateGroup(g);
    this.expireGroup(g);
  }

  deleteRetentionPolicy(ref: GroupRef): void {
    const g = this.getLogGroup(ref);
    g.retentionDays = undefined;
    this.sql.updateGroup(g);
  }

  /** Events older than this are past the group's retention (0 when it keeps everything). */
  retentionCutoff(g: LogGroupState): number {
    return g.retentionDays ? this.clock.now() - g.retentionDays * DAY_MS : 0;
  }

  /** Deletes events past their group's retention; returns how many. Runs on a timer; reads hide them anyway. */
  expire(): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.retentionDays) n += this.expireGroup(g);
    return n;
  }

  private expireGroup(g: LogGroupState): number {
    this.flush();
    return this.sql.expire(g.id, this.retentionCutoff(g));
  }

  // --- tags ---

  tagLogGroup(ref: GroupRef, tags: Record<string, string>, tooMany: 'TooManyTagsException' | 'InvalidParameterException' = 'TooManyTagsException'): void {
    const g = this.getLogGroup(ref);
    checkTags(tags);
    const merged = { ...g.tags, ...tags };
    if (Object.keys(merged).length > LIMITS.maxTags) {
      const msg = `A resource can have at most ${LIMITS.maxTags} tags`;
      throw tooMany === 'TooManyTagsException' ? new TooManyTagsException(msg) : new InvalidParameterException(msg);
    }
    g.tags = merged;
    this.sql.updateGroup(g);
  }

  untagLogGroup(ref: GroupRef, keys: string[]): void {
    const g = this.getLogGroup(ref);
    const tags = { ...g.tags };
    for (const k of keys) delete tags[k];
    g.tags = tags;
    this.sql.updateGroup(g);
  }

  listTags(ref: GroupRef): Record<string, string> {
    return { ...this.getLogGroup(ref).tags };
  }

  // --- streams ---

  createLogStream(ref: StreamRef): LogStreamState {
    const g = this.getLogGroup(ref);
    checkStreamName(ref.stream);
    if (g.streams.has(ref.stream)) throw new ResourceAlreadyExistsException('The specified log stream already exists');
    return this.addStream(g, ref.stream);
  }

  private addStream(g: LogGroupState, name: string): LogStreamState {
    const now = this.clock.now();
    const s: LogStreamState = { id: this.sql.insertStream(g.id, name, now), groupId: g.id, name, createdAt: now, storedBytes: 0 };
    g.streams.set(name, s);
    return s;
  }

  getLogStream(ref: StreamRef): { group: LogGroupState; stream: LogStreamState } {
    const group = this.getLogGroup(ref);
    const stream = group.streams.get(ref.stream);
    if (!stream) throw new ResourceNotFoundException('The specified log stream does not exist.');
    return { group, stream };
  }

  deleteLogStream(ref: StreamRef): void {
    const { group, stream } = this.getLogStream(ref);
    this.flush();
    this.sql.deleteStream(stream.id);
    group.streams.delete(stream.name);
    this.dirtyStreams.delete(stream);
  }

  // --- appends ---

  /**
   * PutLogEvents: AWS's rules. Sequence tokens are not asked for (AWS accepts and ignores them now). Events may come
   * in any order within 24 hours; events too far in the future, too old (14 days) or past the group's retention are
   * rejected and reported by index (the `*EndIndex` fields are exclusive, `tooNewLogEventStartIndex` inclusive).
   * Resolves once the accepted events are committed.
   */
  async putLogEvents(ref: StreamRef, events: InputEvent[]): Promise<{ rejected?: RejectedInfo; nextSequenceToken: string; accepted: number }> {
    const { group, stream } = this.getLogStream(ref);
    if (!Array.isArray(events) || events.length < 1) throw new InvalidParameterException('1 validation error detected: Value at \'logEvents\' failed to satisfy constraint: Member must have length greater than or equal to 1');
    if (events.length > LIMITS.maxBatchEvents) throw new InvalidParameterException(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.maxBatchEvents}`);
    let total = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const [i, e] of events.entries()) {
      if (typeof e?.timestamp !== 'number' || !Number.isFinite(e.timestamp)) throw new InvalidParameterException(`logEvents.${i + 1}.timestamp must be a number`);
      if (typeof e.message !== 'string' || !e.message.length) throw new InvalidParameterException(`1 validation error detected: Value at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1`);
      const size = eventBytes(e.message);
      if (size > LIMITS.maxEventBytes) throw new InvalidParameterException(`Log event too large: ${size} bytes exceeds limit of ${LIMITS.maxEventBytes}`);
      total += size;
      min = Math.min(min, e.timestamp);
      max = Math.max(max, e.timestamp);
    }
    if (total > LIMITS.maxBatchBytes) throw new InvalidParameterException(`Upload too large: ${total} bytes exceeds limit of ${LIMITS.maxBatchBytes}`);
    if (max - min > LIMITS.maxBatchSpanMs) throw new InvalidParameterException('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    const now = this.clock.now();
    const retention = this.retentionCutoff(group);
    const rejected: RejectedInfo = {};
    const accepted: InputEvent[] = [];
    for (const [i, e] of events.entries()) {
      const ts = e.timestamp!;
      if (ts > now + LIMITS.maxFutureMs) rejected.tooNewLogEventStartIndex = Math.min(rejected.tooNewLogEventStartIndex ?? i, i);
      else if (ts < now - LIMITS.maxAgeMs) rejected.tooOldLogEventEndIndex = i + 1;
      else if (ts < retention) rejected.expiredLogEventEndIndex = i + 1;
      else accepted.push(e);
    }
    this.accept(group, stream, accepted, now);
    await this.commit();
    return { rejected: Object.keys(rejected).length ? rejected : undefined, nextSequenceToken: this.sequenceToken(), accepted: accepted.length };
  }

  /**
   * The in-process API (Lambda): appends to `group`/`stream`, creating either if needed. Timestamps default to now;
   * empty messages are skipped, messages over 256 KB truncated, events outside [now - 14 days or retention, now + 2 h]
   * dropped. No batch limits. Listeners see the events at once; the promise resolves when they are committed
   * (callers may ignore it: the next turn of the event loop writes them anyway).
   */
  appendEvents(account: string, region: string, group: string, stream: string, events: InputEvent[]): Promise<void> {
    const ref = { account, region, name: group };
    const g = this.findLogGroup(ref) ?? this.createLogGroup(ref);
    const s = g.streams.get(stream) ?? this.addStream(g, checkStreamName(stream));
    const now = this.clock.now();
    const oldest = Math.max(now - LIMITS.maxAgeMs, this.retentionCutoff(g));
    const ok: InputEvent[] = [];
    for (const e of events) {
      if (typeof e.message !== 'string' || !e.message) continue;
      const ts = e.timestamp ?? now;
      if (ts > now + LIMITS.maxFutureMs || ts < oldest) continue;
      ok.push({ timestamp: ts, message: truncate(e.message) });
    }
    if (!ok.length) return Promise.resolve();
    this.accept(g, s, ok, now);
    const committed = this.commit();
    // Callers may drop the promise: a failed commit is logged by flush(), never an unhandled rejection.
    committed.catch(() => undefined);
    return committed;
  }

  private accept(g: LogGroupState, s: LogStreamState, events: InputEvent[], now: number): void {
    if (!events.length) return;
    // Stable sort: ids increase with timestamps within a batch, input order among equal timestamps.
    const sorted = [...events].sort((a, b) => a.timestamp! - b.timestamp!);
    const out: LogEvent[] = [];
    for (const e of sorted) {
      const ev: LogEvent = { id: this.nextId++, groupId: g.id, streamId: s.id, stream: s.name, timestamp: e.timestamp!, ingestionTime: now, message: e.message };
      out.push(ev);
      s.storedBytes += Buffer.byteLength(e.message, 'utf8');
      s.firstEventTs = Math.min(s.firstEventTs ?? Infinity, ev.timestamp);
      s.lastEventTs = Math.max(s.lastEventTs ?? -Infinity, ev.timestamp);
    }
    s.lastIngestion = now;
    this.pendingEvents.push(...out);
    this.dirtyStreams.add(s);
    this.notify(g, out);
  }

  sequenceToken(): string {
    return String(this.nextId).padStart(56, '0');
  }

  // --- group commit ---

  /** Resolves once everything accepted so far is committed. */
  commit(): Promise<void> {
    if (this.closed) return Promise.resolve(this.flush());
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pending = { promise, resolve, reject };
    }
    this.scheduled ??= setImmediate(() => this.flush());
    return this.pending.promise;
  }

  /** Writes pending events now (reads and deletes call this first). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (this.pendingEvents.length || this.dirtyStreams.size) {
      const [events, streams] = [this.pendingEvents, this.dirtyStreams];
      this.pendingEvents = [];
      this.dirtyStreams = new Set();
      try {
        this.sql.writeBatch(events, streams);
        this.flushes++;
      } catch (err) {
        this.log?.error({ err }, 'log store commit failed');
        pending?.reject(err);
        return;
      }
    }
    pending?.resolve();
  }

  // --- subscriptions ---

  /** Calls `listener` with every batch of events appended to the group from now on (the group need not exist yet). */
  subscribe(ref: GroupRef, listener: LogListener): () => void {
    const k = key(ref.account, ref.region, ref.name);
    let set = this.listeners.get(k);
    if (!set) this.listeners.set(k, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size && this.listeners.get(k) === set) this.listeners.delete(k);
    };
  }

  private notify(g: LogGroupState, events: LogEvent[]): void {
    const set = this.listeners.get(key(g.account, g.region, g.name));
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(events);
      } catch (err) {
        this.log?.warn({ err }, 'log listener failed');
      }
    }
  }

  // --- reading (queries.ts) ---

  getLogEvents(ref: StreamRef, opts: Parameters<typeof getLogEvents>[2] = {}): ReturnType<typeof getLogEvents> {
    return getLogEvents(this, ref, opts);
  }

  filterLogEvents(ref: GroupRef, opts: FilterOptions = {}): ReturnType<typeof filterLogEvents> {
    return filterLogEvents(this, ref, opts);
  }

  /** Stored events, then (follow) new ones as they are appended; see queries.ts `tail`. */
  tail(ref: GroupRef, opts: TailOptions = {}): AsyncGenerator<LogEvent> {
    return tail(this, ref, opts);
  }

  /** Next event id that will be handed out (ids below it are accepted). */
  get horizon(): number {
    return this.nextId;
  }

  close(): void {
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.expireTimer = undefined;
    this.flush();
    this.closed = true;
  }
}

function truncate(message: string): string {
  const max = LIMITS.maxEventBytes - LIMITS.eventOverhead;
  if (Buffer.byteLength(message, 'utf8') <= max) return message;
  // Cut on a character boundary.
  let s = Buffer.from(message, 'utf8').subarray(0, max).toString('utf8');
  if (s.endsWith('\uFFFD')) s = s.slice(0, -1);
  return s;
}
