import type { Ec2Deps } from '../deps.ts';
import type { InstanceRow, SpotRequestRow } from '../store.ts';

// Spot Instance request states and status codes, as AWS documents them (EC2 User Guide, "State changes for a Spot
// request"): the request state says where the request is (open, active, closed, cancelled, failed, disabled), the
// status code says why.

export type SpotRequestState = 'open' | 'active' | 'closed' | 'cancelled' | 'failed' | 'disabled';

const MESSAGES: Record<string, string> = {
  'pending-evaluation': 'Your Spot request has been submitted for review, and is pending evaluation.',
  'pending-fulfillment': 'Your Spot request is pending fulfillment.',
  fulfilled: 'Your spot request is fulfilled.',
  'not-scheduled-yet': 'Your Spot request will not be evaluated until the ValidFrom date.',
  'schedule-expired': 'Your Spot request expired because it was not fulfilled before the ValidUntil date.',
  'capacity-not-available': 'There is not enough capacity available for the instances that you requested.',
  'marked-for-termination': 'Spot Instance is marked for termination: an interruption notice was issued.',
  'marked-for-stop': 'Spot Instance is marked for stop: an interruption notice was issued.',
  'instance-terminated-by-user': 'Spot Instance terminated due to user-initiated termination.',
  'instance-terminated-no-capacity': 'Spot Instance terminated due to no available capacity.',
  'instance-terminated-by-price': 'Spot Instance terminated because the Spot price rose above your maximum price.',
  'instance-stopped-by-user': 'Spot Instance stopped due to user-initiated stop.',
  'instance-stopped-no-capacity': 'Spot Instance stopped due to no available capacity.',
  'instance-stopped-by-price': 'Spot Instance stopped because the Spot price rose above your maximum price.',
  'canceled-before-fulfillment': 'The user canceled the Spot request before it was fulfilled.',
  'request-canceled-and-instance-running': 'Spot Instance request is canceled, but the instance is still running.',
};

export const formatPrice = (p: number) => p.toFixed(6);

/** ISO 8601 to the second, as IMDS shows times. */
export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function priceTooLowMessage(maxPrice: number, price: number): string {
  return `Your Spot request price of ${formatPrice(maxPrice)} is lower than the minimum required Spot request fulfillment price of ${formatPrice(price)}.`;
}

/** Sets a request's state and status (inside the caller's transaction). */
export function setSpotStatus(d: Ec2Deps, id: string, state: SpotRequestState, code: string, message?: string, more: Partial<SpotRequestRow> = {}): void {
  d.store.updateSpotRequest(id, { state, status_code: code, status_message: message ?? MESSAGES[code] ?? code, status_updated_at: d.clock.now(), ...more });
}

export interface InstanceAction { action: 'terminate' | 'stop'; cause: 'no-capacity' | 'price' }

export const SPOT_TERMINATION = 'Server.SpotInstanceTermination';

const ENDED = ['shutting-down', 'terminated'];
const STOPPED = ['stopping', 'stopped'];

/**
 * Keeps a spot request in step with its instance (called by move() inside the state change's transaction): running →
 * active/fulfilled; stopped → disabled (persistent requests only reopen when the instance starts again); terminated →
 * closed (one-time) or open (persistent: the market launches a replacement). The cause is the interruption notice when
 * the move is the interruption itself (StateReason Server.SpotInstanceTermination), else the user.
 */
export function spotInstanceChanged(d: Ec2Deps, before: InstanceRow, after: InstanceRow): void {
  const req = after.spot_request_id ? d.store.spotRequest(after.spot_request_id) : undefined;
  if (!req || req.instance_id !== after.id || req.state === 'cancelled') return;
  const interrupted = after.state_reason_code === SPOT_TERMINATION;
  const cause = interrupted ? ((JSON.parse(before.instance_action_json ?? '{}') as Partial<InstanceAction>).cause === 'price' ? 'by-price' : 'no-capacity') : 'by-user';
  if (after.state === 'running' && before.state !== 'running') {
    setSpotStatus(d, req.id, 'active', 'fulfilled');
  } else if (ENDED.includes(after.state) && !ENDED.includes(before.state)) {
    setSpotStatus(d, req.id, req.type === 'persistent' ? 'open' : 'closed', `instance-terminated-${cause}`);
  } else if (STOPPED.includes(after.state) && !STOPPED.includes(before.state) && !ENDED.includes(before.state)) {
    setSpotStatus(d, req.id, 'disabled', `instance-stopped-${cause}`);
  }
}
