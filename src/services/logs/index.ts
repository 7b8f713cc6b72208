import { readFileSync } from 'node:fs';
import type { LogStore } from '../../engines/logs/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import { eventHandlers } from './events.ts';
import type { Operations } from './generated/operations.ts';
import { groupHandlers } from './groups.ts';
import { streamHandlers } from './streams.ts';
import { tagHandlers } from './tags.ts';

// CloudWatch Logs (JSON 1.1, X-Amz-Target Logs_20140328.*) over the log store engine (src/engines/logs), which
// Lambda writes function logs into and `nimbus logs` reads.
//
// LIMITATIONS (see README "CloudWatch Logs"):
// - Filter patterns: terms, "phrases", ?OR, -exclusion and JSON `{ $.x … }` comparisons only; no space-delimited
//   `[a, b]` or `%regex%` patterns (InvalidParameterException says so). Terms are case-sensitive substrings.
// - No metric filters, subscription filters, Logs Insights queries, live tail (StartLiveTail), export tasks,
//   destinations, data protection, KMS encryption (kmsKeyId is stored only), deletion protection, anomaly detection.
// - Tags only on log groups (TagResource on other ARNs is InvalidParameterException).
// - storedBytes is the uncompressed message size; logGroupClass is stored, not enforced.
// - searchedLogStreams is informational (every selected stream, searchedCompletely unless a nextToken is returned).

export const logsModel = JSON.parse(readFileSync(new URL('../../../models/logs.json', import.meta.url), 'utf8')) as ServiceModel;

export function createLogsService(logs: LogStore): ServiceDefinition {
  const handlers: HandlerMap<Operations> = {
    ...groupHandlers(logs),
    ...streamHandlers(logs),
    ...eventHandlers(logs),
    ...tagHandlers(logs),
  };
  return {
    name: 'logs',
    model: logsModel,
    protocols: [protocols.json],
    handlers: handlers as unknown as Record<string, Handler>,
    limitations: [
      'Filter patterns: terms, quoted phrases, ?OR, -exclusion and JSON { $.field … } only (no [space-delimited] or %regex%)',
      'No metric/subscription filters, Logs Insights, live tail, export tasks or destinations',
      'KMS keys and log group classes are stored, not enforced',
      'Tags only on log groups',
    ],
  };
}
