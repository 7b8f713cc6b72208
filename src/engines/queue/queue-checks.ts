import type { QueueConfig } from './attributes.ts';
import type { EngineContext } from './context.ts';
import { InvalidParameterValue } from './errors.ts';
import type { QueueRef } from './types.ts';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

export function checkQueueName(name: string, fifo: boolean): void {
  const base = fifo ? name.replace(/\.fifo$/, '') : name;
  if (fifo && !name.endsWith('.fifo'))
    throw new InvalidParameterValue('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
  if (!NAME.test(base) || name.length > 80)
    throw new InvalidParameterValue(fifo
      ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
      : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
}

export function checkTags(tags: Record<string, string>): void {
  const keys = Object.keys(tags);
  if (keys.length > 50) throw new InvalidParameterValue('Too many tags added for queue. A queue can have at most 50 tags.');
  for (const k of keys) {
    if (k.length < 1 || k.length > 128 || String(tags[k]).length > 256) throw new InvalidParameterValue(`Tag ${k} is invalid: keys are 1-128 characters, values at most 256.`);
  }
}

/**
 * A RedrivePolicy must name an existing queue of the same type in the same account and region, and that queue's
 * RedriveAllowPolicy must let this queue use it.
 */
export function checkRedriveTarget(ctx: EngineContext, ref: QueueRef, config: QueueConfig): void {
  const p = config.redrivePolicy;
  if (!p) return;
  const reason = (r: string) => new InvalidParameterValue(`Value ${JSON.stringify(p)} for parameter RedrivePolicy is invalid. Reason: ${r}`);
  const dlq = ctx.byArn.get(p.deadLetterTargetArn);
  if (!dlq || dlq.account !== ref.account || dlq.region !== ref.region) throw reason('Dead letter target does not exist.');
  if (dlq.fifo !== config.fifo) throw reason(config.fifo ? 'Dead-letter queue must be a FIFO queue.' : 'Dead-letter queue must be a standard queue.');
  const allow = dlq.config.redriveAllowPolicy;
  const self = `arn:aws:sqs:${ref.region}:${ref.account}:${ref.name}`;
  if (allow?.redrivePermission === 'denyAll' || (allow?.redrivePermission === 'byQueue' && !allow.sourceQueueArns?.includes(self)))
    throw reason('Queue is not allowed to use the dead-letter queue by its RedriveAllowPolicy.');
}
