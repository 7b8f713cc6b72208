// Time is injected everywhere so tests can drive it instead of sleeping.
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/**
 * The simulated clock of `nimbus up` (NIMBUS_CLOCK_SPEED, `nimbus clock advance`): time runs `speed` times faster
 * than the wall clock from the moment Nimbus starts, and can jump forward (never back), so a month of usage can be
 * replayed in seconds. Everything that reads the clock (metering, spot prices, RI/Savings Plan terms, alarms,
 * schedules, visibility timeouts) sees the same simulated time; timers still fire in real time.
 */
export class SimulatedClock implements Clock {
  private readonly realStart: number;
  private readonly simStart: number;
  private offset = 0;
  constructor(readonly speed = 1, private real: () => number = Date.now, start?: number) {
    this.realStart = real();
    this.simStart = start ?? this.realStart;
  }
  now(): number {
    return Math.floor(this.simStart + (this.real() - this.realStart) * this.speed + this.offset);
  }
  /** Jumps forward by ms (negative values are refused: time never goes back). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    this.offset += ms;
  }
}
