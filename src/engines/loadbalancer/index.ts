export { LoadBalancerEngine, type LoadBalancerEngineOptions } from './engine.ts';
export { BridgeAddresses, LoopbackAddresses } from './address.ts';
export type * from './types.ts';
