import type { Ec2Deps, Scope } from '../deps.ts';
import { InvalidParameterCombination, InvalidParameterValue, SpotMaxPriceTooLow } from '../errors.ts';
import { priceTooLowMessage } from './status.ts';

// How a spot launch is bought: request type, maximum price (default: the On-Demand price, as on AWS) and what an
// interruption does. 'hibernate' is accepted and treated as 'stop' (Nimbus cannot save an instance's memory).

export interface SpotTerms {
  type: 'one-time' | 'persistent';
  maxPrice: number;
  /** terminate | stop (hibernate → stop). */
  behavior: 'terminate' | 'stop';
  /** As the caller said it (hibernate stays hibernate in API answers). */
  behaviorAsGiven: 'terminate' | 'stop' | 'hibernate';
}

export interface SpotTermsInput {
  MaxPrice?: string; SpotInstanceType?: string; InstanceInterruptionBehavior?: string; BlockDurationMinutes?: number;
}

export function parseMaxPrice(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d*\.?\d+$/.test(String(raw).trim()) || !(n > 0)) throw new InvalidParameterValue(`Invalid value '${raw}' for SpotPrice: a positive decimal number of USD per hour is required`);
  return n;
}

export function onDemandPrice(d: Ec2Deps, region: string, type: string): number {
  const p = d.billing.catalog.onDemandHourly(region, type);
  if (p === undefined) throw new InvalidParameterValue(`Spot Instances are not available for instance type '${type}' in ${region}`);
  return p;
}

/** Validates spot options: `api` is 'run' for RunInstances (persistent needs stop/hibernate there, as on AWS). */
export function spotTerms(d: Ec2Deps, s: Scope, type: string, o: SpotTermsInput, api: 'run' | 'request'): SpotTerms {
  const kind = o.SpotInstanceType ?? 'one-time';
  if (kind !== 'one-time' && kind !== 'persistent') throw new InvalidParameterValue(`Invalid value '${kind}' for SpotInstanceType. Valid values: one-time, persistent`);
  const given = o.InstanceInterruptionBehavior ?? 'terminate';
  if (given !== 'terminate' && given !== 'stop' && given !== 'hibernate') {
    throw new InvalidParameterValue(`Invalid value '${given}' for InstanceInterruptionBehavior. Valid values: hibernate, stop, terminate`);
  }
  if (kind === 'one-time' && given !== 'terminate') {
    throw new InvalidParameterCombination(`The interruption behavior '${given}' is only supported for persistent Spot Instance requests`);
  }
  if (api === 'run' && kind === 'persistent' && given === 'terminate') {
    throw new InvalidParameterCombination("For RunInstances, persistent Spot Instance requests are only supported when the instance interruption behavior is either 'hibernate' or 'stop'");
  }
  if (o.BlockDurationMinutes !== undefined) throw new InvalidParameterValue('Spot Instances with a defined duration (Spot blocks) are not available');
  const maxPrice = parseMaxPrice(o.MaxPrice) ?? onDemandPrice(d, s.region, type);
  return { type: kind, maxPrice, behavior: given === 'terminate' ? 'terminate' : 'stop', behaviorAsGiven: given };
}

/** RunInstances: a maximum price below the current spot price is an error (a request would stay open instead). */
export function assertPriceMet(d: Ec2Deps, s: Scope, az: string, type: string, maxPrice: number): void {
  const price = d.billing.spot.price(s.region, az, type, d.clock.now());
  if (maxPrice < price) throw new SpotMaxPriceTooLow(priceTooLowMessage(maxPrice, price));
}

/** AWS spot request ids: sir- and 8 characters. */
export function spotRequestId(d: Ec2Deps): string {
  return `sir-${d.ids.next('sir').slice(-8)}`;
}
