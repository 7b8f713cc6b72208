import type { LogStore } from './engine.ts';
import { InvalidParameterException } from './errors.ts';
import { compileFilterPattern } from './filter-pattern.ts';
import { eventBytes, LIMITS } from './limits.ts';
import type { Cursor, EventQuery } from './store.ts';
import { HEAD, opaqueToken, parseOpaqueToken, parseStreamToken, streamToken, TAIL } from './tokens.ts';
import type { GroupRef, LogEvent, LogGroupState, LogStreamState, StreamRef } from './types.ts';
import { checkLimit } from './validate.ts';

// Reading the log store: describe groups/streams, GetLogEvents, FilterLogEvents and tail.

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function describeLogGroups(
  logs: LogStore, account: string, region: string,
  opts: { prefix?: string; pattern?: string; names?: string[]; limit?: number; nextToken?: string } = {},
): Page<LogGroupState> {
  if (opts.prefix && opts.pattern) throw new InvalidParameterException('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive.');
  const limit = checkLimit(opts.limit, LIMITS.describeLimit) ?? LIMITS.describeLimit;
  const after = opts.nextToken ? parseOpaqueToken<{ n: string }>(opts.nextToken, (v) => typeof v?.n === 'string').n : undefined;
  const pattern = opts.pattern?.toLowerCase();
  const names = opts.names ? new Set(opts.names) : undefined;
  const all = logs.listLogGroups(account, region).filter((g) =>
    (!opts.prefix || g.name.startsWith(opts.prefix)) && (!pattern || g.name.toLowerCase().includes(pattern)) && (!names || names.has(g.name)) && (after === undefined || g.name > after));
  const items = all.slice(0, limit);
  return { items, nextToken: all.length > limit ? opaqueToken({ n: items[items.length - 1].name }) : undefined };
}

export function describeLogStreams(
  logs: LogStore, ref: GroupRef,
  opts: { prefix?: string; orderBy?: string; descending?: boolean; limit?: number; nextToken?: string } = {},
): Page<LogStreamState> {
  const g = logs.getLogGroup(ref);
  const orderBy = opts.orderBy ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') throw new InvalidParameterException(`Invalid orderBy ${orderBy}`);
  if (orderBy === 'LastEventTime' && opts.prefix) throw new InvalidParameterException('Cannot order by LastEventTime with a logStreamNamePrefix.');
  const limit = checkLimit(opts.limit, LIMITS.describeLimit) ?? LIMITS.describeLimit;
  logs.flush();
  const list = [...g.streams.values()].filter((s) => !opts.prefix || s.name.startsWith(opts.prefix));
  const byName = (a: LogStreamState, b: LogStreamState) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  list.sort(orderBy === 'LogStreamName' ? byName : (a, b) => (a.lastEventTs ?? 0) - (b.lastEventTs ?? 0) || byName(a, b));
  if (opts.descending) list.reverse();
  const offset = opts.nextToken ? parseOpaqueToken<{ o: number }>(opts.nextToken, (v) => Number.isInteger(v?.o) && v.o >= 0).o : 0;
  const items = list.slice(offset, offset + limit);
  return { items, nextToken: list.length > offset + limit ? opaqueToken({ o: offset + limit }) : undefined };
}

function timeRange(logs: LogStore, g: LogGroupState, startTime?: number, endTime?: number): EventQuery {
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
    throw new InvalidParameterException('startTime must be less than or equal to endTime');
  }
  return { startTime: Math.max(startTime ?? 0, logs.retentionCutoff(g)), endTime: endTime ?? Number.MAX_SAFE_INTEGER };
}

/** Takes events while they fit in a response (10,000 events, 1 MB). */
function fit<T extends { message: string }>(events: T[], limit: number): T[] {
  let bytes = 0;
  const out: T[] = [];
  for (const e of events) {
    bytes += eventBytes(e.message);
    if (out.length >= limit || (bytes > LIMITS.maxResponseBytes && out.length)) break;
    out.push(e);
  }
  return out;
}

export interface StreamEvents {
  events: LogEvent[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

/**
 * GetLogEvents. Without a token: the newest events (or the oldest with startFromHead). `f/…` pages forward, `b/…`
 * backward; at either end the token you passed comes back (that is how clients know to stop).
 */
export function getLogEvents(
  logs: LogStore, ref: StreamRef,
  opts: { startTime?: number; endTime?: number; startFromHead?: boolean; limit?: number; nextToken?: string } = {},
): StreamEvents {
  const { group, stream } = logs.getLogStream(ref);
  const limit = checkLimit(opts.limit, LIMITS.maxResponseEvents) ?? LIMITS.maxResponseEvents;
  const tok = opts.nextToken ? parseStreamToken(opts.nextToken) : undefined;
  const q = timeRange(logs, group, opts.startTime, opts.endTime);
  logs.flush();
  const forward = tok ? tok.dir === 'f' : !!opts.startFromHead;
  const named = (e: Omit<LogEvent, 'stream'>): LogEvent => ({ ...e, stream: stream.name });
  if (forward) {
    const from = tok?.cursor ?? HEAD;
    const events = fit(logs.sql.streamForward(stream.id, q, from, limit).map(named), limit);
    if (!events.length) return { events, nextForwardToken: opts.nextToken ?? streamToken('f', from), nextBackwardToken: streamToken('b', from) };
    return { events, nextForwardToken: streamToken('f', cursorOf(events[events.length - 1])), nextBackwardToken: streamToken('b', cursorOf(events[0])) };
  }
  const from = tok?.cursor ?? TAIL;
  const newestFirst = fit(logs.sql.streamBackward(stream.id, q, from, limit).map(named), limit);
  const events = newestFirst.reverse();
  if (!events.length) {
    const edge = from === TAIL ? HEAD : from;
    return { events, nextForwardToken: streamToken('f', edge), nextBackwardToken: opts.nextToken ?? streamToken('b', edge) };
  }
  return { events, nextForwardToken: streamToken('f', cursorOf(events[events.length - 1])), nextBackwardToken: streamToken('b', cursorOf(events[0])) };
}

const cursorOf = (e: { timestamp: number; id: number }): Cursor => ({ ts: e.timestamp, id: e.id });

export interface FilterOptions {
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  limit?: number;
  nextToken?: string;
}

export interface FilteredEvents {
  events: LogEvent[];
  searchedLogStreams: Array<{ logStreamName: string; searchedCompletely: boolean }>;
  nextToken?: string;
}

/**
 * FilterLogEvents: events of a group (all streams, some names or a name prefix) in (timestamp, eventId) order,
 * interleaved across streams, matching a filter pattern. A call scans at most LIMITS.filterScanBudget events; if it
 * stops before the end it returns a nextToken (possibly with no events, as AWS does).
 */
export function filterLogEvents(logs: LogStore, ref: GroupRef, opts: FilterOptions = {}): FilteredEvents {
  const g = logs.getLogGroup(ref);
  if (opts.logStreamNames && opts.logStreamNamePrefix) throw new InvalidParameterException('Cannot specify both logStreamNames and logStreamNamePrefix.');
  if (opts.logStreamNames && (opts.logStreamNames.length < 1 || opts.logStreamNames.length > LIMITS.maxFilterStreams)) {
    throw new InvalidParameterException(`logStreamNames must have between 1 and ${LIMITS.maxFilterStreams} items`);
  }
  const limit = checkLimit(opts.limit, LIMITS.maxResponseEvents) ?? LIMITS.maxResponseEvents;
  const match = compileFilterPattern(opts.filterPattern);
  const streams = selectStreams(g, opts);
  const q: EventQuery = { ...timeRange(logs, g, opts.startTime, opts.endTime), streamIds: streams?.map((s) => s.id) };
  let cursor: Cursor = HEAD;
  if (opts.nextToken) {
    const t = parseOpaqueToken<{ ts: number; id: number }>(opts.nextToken, (v) => Number.isInteger(v?.ts) && Number.isInteger(v?.id));
    cursor = { ts: t.ts, id: t.id };
  }
  logs.flush();
  const names = new Map<number, string>([...g.streams.values()].map((s) => [s.id, s.name]));
  const events: LogEvent[] = [];
  let bytes = 0;
  let scanned = 0;
  let more = false;
  const chunk = 1000;
  outer: while (q.streamIds === undefined || q.streamIds.length) {
    const rows = logs.sql.groupForward(g.id, q, cursor, chunk);
    for (const r of rows) {
      scanned++;
      if (match(r.message)) {
        const size = eventBytes(r.message);
        if (events.length >= limit || bytes + size > LIMITS.maxResponseBytes) {
          more = true;
          break outer;
        }
        bytes += size;
        events.push({ ...r, stream: names.get(r.streamId) ?? '' });
      }
      cursor = cursorOf(r);
      if (scanned >= LIMITS.filterScanBudget) {
        more = true;
        break outer;
      }
    }
    if (rows.length < chunk) break;
  }
  const searched = (streams ?? [...g.streams.values()]).map((s) => ({ logStreamName: s.name, searchedCompletely: !more }));
  return { events, searchedLogStreams: searched, nextToken: more ? opaqueToken({ ts: cursor.ts, id: cursor.id }) : undefined };
}

function selectStreams(g: LogGroupState, opts: FilterOptions): LogStreamState[] | undefined {
  if (opts.logStreamNames) return opts.logStreamNames.map((n) => g.streams.get(n)).filter((s): s is LogStreamState => !!s);
  if (opts.logStreamNamePrefix) return [...g.streams.values()].filter((s) => s.name.startsWith(opts.logStreamNamePrefix!));
  return undefined;
}

export interface TailOptions {
  /** Keep waiting for new events (until `signal` aborts). */
  follow?: boolean;
  /** Only events at or after this time (default: everything kept). */
  startTime?: number;
  filterPattern?: string;
  logStreamNamePrefix?: string;
  signal?: AbortSignal;
}

/**
 * Events of a group as an async iterator: the stored ones in (timestamp, eventId) order, then — with `follow` —
 * every new one as it is appended (no polling, no gaps, no duplicates). Without `follow` a missing group is a
 * ResourceNotFoundException; with it, the iterator waits for the group to appear (Lambda creates it on first log).
 */
export async function* tail(logs: LogStore, ref: GroupRef, opts: TailOptions = {}): AsyncGenerator<LogEvent> {
  const match = compileFilterPattern(opts.filterPattern);
  const queue: LogEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = opts.follow
    ? logs.subscribe(ref, (evs) => {
      queue.push(...evs);
      wake?.();
    })
    : undefined;
  try {
    // Everything accepted before the subscription is history; everything after arrives through it.
    const horizon = logs.horizon;
    const exists = opts.follow ? logs.findLogGroup(ref) : logs.getLogGroup(ref);
    if (exists) {
      let nextToken: string | undefined;
      do {
        const page = filterLogEvents(logs, ref, { startTime: opts.startTime, filterPattern: opts.filterPattern, logStreamNamePrefix: opts.logStreamNamePrefix || undefined, nextToken });
        for (const e of page.events) if (e.id < horizon) yield e;
        nextToken = page.nextToken;
        if (opts.signal?.aborted) return;
      } while (nextToken);
    }
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      while (queue.length) {
        const e = queue.shift()!;
        if (e.id < horizon || (opts.startTime !== undefined && e.timestamp < opts.startTime)) continue;
        if (opts.logStreamNamePrefix && !e.stream.startsWith(opts.logStreamNamePrefix)) continue;
        if (match(e.message)) yield e;
        if (opts.signal?.aborted) return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        opts.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      wake = undefined;
    }
  } finally {
    unsubscribe?.();
  }
}
