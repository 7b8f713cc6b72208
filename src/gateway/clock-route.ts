import type { Clock } from '../core/clock.ts';
import { jsonResponse as json, type HttpRequest, type HttpResponse } from '../protocol/types.ts';

// GET /_nimbus/clock shows Nimbus's (simulated) time; POST /_nimbus/clock {"advance": "30d"} jumps it forward, so a
// month of usage can be replayed in seconds (`nimbus clock advance 30d`). AWS has no such thing: it is for learning
// and tests. Only clocks that can move (SimulatedClock, tests' ManualClock) accept POST.


const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** '90s', '15m', '36h', '30d', '2w', or a bare number of seconds → milliseconds (undefined when malformed). */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2] ?? 's'] : undefined;
}

type MovableClock = Clock & { advance?(ms: number): void; speed?: number };

export function clockRoute(clock: MovableClock) {
  return async (req: HttpRequest): Promise<HttpResponse | undefined> => {
    if (req.path !== '/_nimbus/clock') return undefined;
    const show = () => json(200, { now: new Date(clock.now()).toISOString(), speed: clock.speed ?? 1, movable: typeof clock.advance === 'function' });
    if (req.method === 'GET') return show();
    if (req.method !== 'POST') return json(405, { message: 'GET shows the clock; POST {"advance": "30d"} moves it forward' });
    if (typeof clock.advance !== 'function') return json(409, { message: 'this clock cannot be moved' });
    let body: { advance?: string | number };
    try {
      body = JSON.parse(req.body.toString('utf8') || '{}');
    } catch {
      return json(400, { message: 'body must be JSON: {"advance": "30d"}' });
    }
    const ms = body.advance === undefined ? undefined : parseDuration(body.advance);
    if (ms === undefined) return json(400, { message: 'advance must be a duration such as "90s", "36h", "30d" (forward only)' });
    clock.advance(ms);
    return show();
  };
}
