// Public surface of the queue engine (used by src/services/sqs).
export { QueueEngine, queueArn, type QueueEngineOptions } from './engine.ts';
export * from './errors.ts';
export type * from './types.ts';
export { md5Hex, md5OfAttributes } from './md5.ts';
export { realScheduler, ManualScheduler, type Scheduler } from './scheduler.ts';
