// Public surface of the pub/sub (SNS) engine, used by src/services/sns (and later by Lambda, to register an invoker).
export { PubSubEngine, type PubSubEngineOptions } from './engine.ts';
export * from './errors.ts';
export type * from './types.ts';
export { CERT_PATH, canonicalString } from './signing.ts';
export { compileFilterPolicy, passesFilter } from './filter.ts';
export { retryDelayMs, effectivePolicy, DEFAULT_RETRY } from './delivery-policy.ts';
