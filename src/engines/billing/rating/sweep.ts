import type { UsageInterval } from '../types.ts';
import type { Stream, StreamFactory } from './streams.ts';

/**
 * One hour's usage: stream i used quantity q[i] (instance-hours, vCPU-hours, GB-hours, GB-seconds, requests).
 * Parallel arrays rather than an object per entry: a month of 1,000 instances is ~700,000 of them.
 */
export interface HourBucket {
  s: Stream[];
  q: number[];
}

/** AWS: Linux instances and Fargate tasks are billed per second with a one-minute minimum each time they start. */
export const MINIMUM_SECONDS = 60;

/**
 * Cuts intervals into per-hour quantities: hours [h0, h0 + nHours) (hour numbers = epoch seconds / 3600), usage after
 * `cutSec` (now, or the end of the range) is not billed. Work is O(hours each interval spans), never per second.
 *
 * Intervals are sorted by (normalization factor, resource, usage type, start) first, so each hour's entries come out
 * smallest size first (the order RIs are applied in) and consecutive intervals of one stream in one hour (a stop and
 * start within the hour) merge into one entry.
 *
 * Times are whole seconds (per-second billing): start and end are floored to the second. The one-minute minimum is
 * charged in the hour the interval starts (when that hour is in range): an interval shorter than 60 s — also one still
 * open — is billed 60 s.
 */
export function sweep(intervals: UsageInterval[], factory: StreamFactory, h0: number, nHours: number, cutSec: number): HourBucket[] {
  const buckets: HourBucket[] = new Array(nHours);
  for (let k = 0; k < nHours; k++) buckets[k] = { s: [], q: [] };
  const loSec = h0 * 3600;
  const hiSec = Math.min((h0 + nHours) * 3600, cutSec);
  const items = intervals.map((iv) => ({ iv, streams: factory.ofInterval(iv) }));
  items.sort((x, y) => (x.streams[0]!.nf - y.streams[0]!.nf)
    || (x.iv.resourceId < y.iv.resourceId ? -1 : x.iv.resourceId > y.iv.resourceId ? 1 : 0)
    || (x.streams[0]!.usageType < y.streams[0]!.usageType ? -1 : x.streams[0]!.usageType > y.streams[0]!.usageType ? 1 : 0)
    || x.iv.startMs - y.iv.startMs);

  const add = (k: number, s: Stream, q: number) => {
    const b = buckets[k]!;
    const n = b.s.length;
    if (n > 0 && b.s[n - 1] === s) b.q[n - 1]! += q;
    else {
      b.s.push(s);
      b.q.push(q);
    }
  };

  for (const { iv, streams } of items) {
    const sSec = Math.floor(iv.startMs / 1000);
    const endSec = Math.max(sSec, Math.min(iv.endMs === null ? cutSec : Math.floor(iv.endMs / 1000), cutSec));
    const a = Math.max(sSec, loSec);
    const b = Math.min(endSec, hiSec);
    const deficit = sSec >= loSec && sSec < hiSec ? Math.max(0, MINIMUM_SECONDS - (endSec - sSec)) : 0;
    if (b <= a && deficit === 0) continue;
    const kStart = Math.floor(a / 3600) - h0;
    const kEnd = b > a ? Math.ceil(b / 3600) - h0 : kStart + 1;
    for (let k = kStart; k < kEnd; k++) {
      const hs = (h0 + k) * 3600;
      let secs = b > a ? Math.min(b, hs + 3600) - Math.max(a, hs) : 0;
      if (k === kStart) secs += deficit;
      if (secs <= 0) continue;
      for (const s of streams) add(k, s, (secs / 3600) * s.perHour);
    }
  }
  return buckets;
}
