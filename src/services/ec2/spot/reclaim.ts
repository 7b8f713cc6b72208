import type { InternalRoute } from '../../../gateway/internal.ts';
import { AwsError } from '../../../core/errors.ts';
import { jsonResponse as json } from '../../../protocol/types.ts';
import type { Ec2Deps, Scope } from '../deps.ts';
import { InsufficientHostCapacity, InsufficientInstanceCapacity } from '../errors.ts';
import { move, reason, type InstanceLifecycle } from '../instances/lifecycle.ts';
import type { RunInstancesInput } from '../instances/run.ts';
import type { InstanceRow, SpotRequestRow } from '../store.ts';
import { launchInputOf } from './requests.ts';
import { isoSeconds, priceTooLowMessage, setSpotStatus, SPOT_TERMINATION, type InstanceAction, type SpotRequestState } from './status.ts';

// The spot market as Nimbus runs it: fulfils open requests, gives spot instances AWS's two-minute interruption notice
// (IMDS spot/instance-action, request status marked-for-termination / marked-for-stop) and interrupts them when it
// runs out: terminated or stopped with StateReason Server.SpotInstanceTermination. The notice's deadline is stored
// with the instance, so it survives a restart.
//
// Interruptions come from (a) reclaim() — the /_nimbus/spot/reclaim route, for tests and demos; (b) the market:
// the spot price of the instance's type and AZ rising above its maximum price; (c) NIMBUS_SPOT_INTERRUPTION_RATE,
// a probability per instance-hour (default 0). Everything reads the injected clock: tests move a ManualClock and
// call tick() (or POST /_nimbus/spot/tick) instead of sleeping; a timer ticks every NIMBUS_SPOT_TICK_MS (1 s).

/** AWS gives two minutes' notice. */
export const NOTICE_MS = 2 * 60 * 1000;

export interface SpotMarketOptions {
  graceMs: number;
  tickMs: number;
  /** Probability that a spot instance is interrupted, per instance-hour (0 … 1). */
  interruptionRate: number;
  random?: () => number;
}

export type Launch = (input: RunInstancesInput, ctx: Scope, request?: SpotRequestRow) => unknown;

export interface TickResult {
  /** Requests that launched an instance. */
  launched: string[];
  /** Instances started again (persistent requests stopped by an interruption). */
  restarted: string[];
  /** Instances that got an interruption notice. */
  marked: string[];
  /** Instances interrupted (deadline reached). */
  interrupted: string[];
}

export interface Notice { instanceId: string; action: 'terminate' | 'stop'; time: string; cause: 'no-capacity' | 'price' }

export class ReclaimError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}


const RESTARTABLE = ['instance-stopped-no-capacity', 'instance-stopped-by-price'];

export class SpotReclaimer {
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private lastTick: number;
  private closed = false;

  constructor(private d: Ec2Deps, private lifecycle: InstanceLifecycle, private launch: Launch, private opts: SpotMarketOptions) {
    this.lastTick = d.clock.now();
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.lastTick = this.d.clock.now();
    this.timer = setInterval(() => void this.tick().catch((err) => this.d.log.warn({ err }, 'spot market tick failed')), this.opts.tickMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => undefined);
  }

  /** Gives a running spot instance its interruption notice (idempotent: a second call returns the first notice). */
  reclaim(instanceId: string, cause: 'no-capacity' | 'price' = 'no-capacity'): Notice {
    const d = this.d;
    return d.store.tx(() => {
      const row = d.store.instance(instanceId);
      if (!row) throw new ReclaimError(404, `The instance ID '${instanceId}' does not exist`);
      if (row.market !== 'spot') throw new ReclaimError(409, `The instance '${instanceId}' is not a Spot Instance`);
      if (row.instance_action_json && row.interruption_at) return notice(row);
      if (row.state !== 'running') throw new ReclaimError(409, `The instance '${instanceId}' is not running (state: ${row.state})`);
      const action: InstanceAction = { action: row.interruption_behavior === 'stop' ? 'stop' : 'terminate', cause };
      const at = d.clock.now() + NOTICE_MS;
      d.store.updateInstance(row.id, { instance_action_json: JSON.stringify(action), interruption_at: at });
      if (row.spot_request_id) {
        const req = d.store.spotRequest(row.spot_request_id);
        if (req && req.instance_id === row.id && req.state === 'active') setSpotStatus(d, req.id, 'active', action.action === 'stop' ? 'marked-for-stop' : 'marked-for-termination');
      }
      d.log.info({ instanceId, ...action, at: isoSeconds(at) }, 'spot interruption notice');
      return notice(d.store.instance(row.id)!);
    });
  }

  /** One pass of the market at the clock's current time; passes never overlap. */
  tick(): Promise<TickResult> {
    const next = this.chain.then(() => this.pass(), () => this.pass());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Tries the open requests now (RequestSpotInstances calls this right after answering). */
  fulfilSoon(): void {
    void this.chain.then(() => {
      if (!this.closed && this.d.store.db.open) this.fulfil({ launched: [], restarted: [], marked: [], interrupted: [] });
    }).catch((err) => this.d.log.warn({ err }, 'spot fulfilment failed'));
  }

  private async pass(): Promise<TickResult> {
    const d = this.d;
    const out: TickResult = { launched: [], restarted: [], marked: [], interrupted: [] };
    if (this.closed || !d.store.db.open) return out;
    const now = d.clock.now();
    // Requests first: one reopened by an interruption in this pass relaunches on the next.
    this.fulfil(out);
    const unmarked = d.store.runningSpotInstances().filter((r) => !r.interruption_at);
    for (const row of unmarked) {
      const price = d.billing.spot.price(row.region, row.az, row.instance_type, now);
      if (row.spot_max_price !== null && price > row.spot_max_price) {
        this.reclaim(row.id, 'price');
        out.marked.push(row.id);
      }
    }
    const rate = Math.min(1, Math.max(0, this.opts.interruptionRate));
    const hours = Math.max(0, now - this.lastTick) / 3_600_000;
    this.lastTick = now;
    if (rate > 0 && hours > 0) {
      const p = 1 - (1 - rate) ** hours;
      const random = this.opts.random ?? Math.random;
      for (const row of unmarked) {
        if (out.marked.includes(row.id) || random() >= p) continue;
        this.reclaim(row.id, 'no-capacity');
        out.marked.push(row.id);
      }
    }
    const due = d.store.interruptionsDue(now);
    await Promise.all(due.map((row) => this.interrupt(row)));
    out.interrupted.push(...due.map((r) => r.id));
    return out;
  }

  private async interrupt(row: InstanceRow): Promise<void> {
    const d = this.d;
    const action = JSON.parse(row.instance_action_json ?? '{}') as InstanceAction;
    const extra = { ...reason(SPOT_TERMINATION, 'Spot instance termination'), state_transition_reason: `Service initiated (${isoSeconds(d.clock.now()).replace('T', ' ').replace('Z', ' GMT')})` };
    d.log.info({ instanceId: row.id, action: action.action }, 'spot interruption');
    if (action.action === 'stop') {
      if (move(d, row.id, 'stopping', extra)) await this.lifecycle.stop(row.id, this.opts.graceMs);
    } else if (move(d, row.id, 'shutting-down', extra)) {
      await this.lifecycle.terminate(row.id, this.opts.graceMs);
    }
  }

  private status(r: SpotRequestRow, state: SpotRequestState, code: string, message?: string): void {
    if (r.state === state && r.status_code === code && (message === undefined || r.status_message === message)) return;
    setSpotStatus(this.d, r.id, state, code, message);
  }

  /** Launches open requests whose price is met; restarts instances that an interruption stopped. */
  private fulfil(out: TickResult): void {
    const d = this.d;
    const now = d.clock.now();
    for (const r of d.store.pendingSpotRequests()) {
      const ctx = { account: r.account, region: r.region };
      if (r.state === 'disabled') {
        const inst = r.instance_id ? d.store.instance(r.instance_id) : undefined;
        if (!RESTARTABLE.includes(r.status_code) || !inst || inst.state !== 'stopped') continue;
        if (d.billing.spot.price(r.region, inst.az, inst.instance_type, now) > r.max_price) continue;
        if (move(d, inst.id, 'pending', { state_transition_reason: '', state_reason_code: null, state_reason_message: null, launch_time: now })) {
          void this.lifecycle.boot(inst.id);
          out.restarted.push(inst.id);
        }
        continue;
      }
      if (r.valid_until && now >= r.valid_until) {
        this.status(r, 'cancelled', 'schedule-expired');
        continue;
      }
      if (r.valid_from && now < r.valid_from) {
        this.status(r, 'open', 'not-scheduled-yet');
        continue;
      }
      const input = launchInputOf(r);
      const type = input.InstanceType ?? 't3.micro';
      const az = this.zoneFor(r, input, now);
      const price = d.billing.spot.price(r.region, az, type, now);
      if (price > r.max_price) {
        this.status(r, 'open', 'price-too-low', priceTooLowMessage(r.max_price, price));
        continue;
      }
      if (!input.SubnetId) input.Placement = { ...(input.Placement ?? {}), AvailabilityZone: az };
      try {
        this.launch(input, ctx, r);
        out.launched.push(r.id);
      } catch (err) {
        if (err instanceof InsufficientInstanceCapacity || err instanceof InsufficientHostCapacity) this.status(r, 'open', 'capacity-not-available');
        else if (err instanceof AwsError) this.status(r, 'failed', 'bad-parameters', `${err.code}: ${err.message}`);
        else throw err;
      }
    }
  }

  /** The AZ a request launches in: the one it names, else the cheapest (AWS's lowest-price allocation). */
  private zoneFor(r: SpotRequestRow, input: RunInstancesInput, now: number): string {
    const d = this.d;
    if (input.SubnetId) return d.store.subnet(input.SubnetId)?.az ?? '';
    if (input.Placement?.AvailabilityZone) return input.Placement.AvailabilityZone;
    const zones = d.store.subnets(r).filter((s) => s.default_for_az).map((s) => s.az);
    const type = input.InstanceType ?? 't3.micro';
    return zones.sort((a, b) => d.billing.spot.price(r.region, a, type, now) - d.billing.spot.price(r.region, b, type, now))[0] ?? `${r.region}a`;
  }

  /** POST /_nimbus/spot/reclaim {"instanceId","cause"?} and POST /_nimbus/spot/tick. */
  readonly internalRoutes: InternalRoute = async (req) => {
    if (!req.path.startsWith('/_nimbus/spot/')) return undefined;
    if (req.method !== 'POST') return json(405, { message: 'POST only' });
    if (req.path === '/_nimbus/spot/tick') return json(200, await this.tick());
    if (req.path !== '/_nimbus/spot/reclaim') return json(404, { message: `no route ${req.path}` });
    let body: { instanceId?: string; cause?: string };
    try {
      body = JSON.parse(req.body.toString('utf8') || '{}');
    } catch {
      return json(400, { message: 'body must be JSON: {"instanceId": "i-…", "cause"?: "no-capacity" | "price"}' });
    }
    if (!body.instanceId) return json(400, { message: 'instanceId is required' });
    if (body.cause !== undefined && body.cause !== 'no-capacity' && body.cause !== 'price') return json(400, { message: 'cause must be no-capacity or price' });
    try {
      return json(200, this.reclaim(body.instanceId, body.cause as Notice['cause'] | undefined));
    } catch (err) {
      if (err instanceof ReclaimError) return json(err.status, { message: err.message });
      throw err;
    }
  };
}

function notice(row: InstanceRow): Notice {
  const a = JSON.parse(row.instance_action_json!) as InstanceAction;
  return { instanceId: row.id, action: a.action, time: isoSeconds(row.interruption_at!), cause: a.cause };
}
