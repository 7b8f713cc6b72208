import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Handler } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { PubSubEngine } from '../../engines/pubsub/index.ts';
import type { QueueEngine, Scheduler } from '../../engines/queue/index.ts';
import { protocols } from '../../protocol/index.ts';
import type { HttpRequest, HttpResponse, ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import { snsHandlers } from './handlers.ts';
import { snsInternalRoutes } from './internal-routes.ts';

// SNS over the query protocol (every SDK, the JS SDK v3 included, speaks query to SNS).
//
// LIMITATIONS (see README "SNS"):
// - Protocols: sqs, http, https, email, email-json (local mailbox), lambda (once a Lambda service registers an invoker);
//   sms, application (mobile push) and firehose are refused with InvalidParameter.
// - Topic Policy, KMS (KmsMasterKeyId), data protection and archive policies are stored, not enforced.
// - Delivery-status logging (…FeedbackRoleArn) is stored, not performed; throttlePolicy is not enforced.
// - Messages are signed with a Nimbus key (self-signed certificate), not Amazon's: verifiers that pin the
//   sns.<region>.amazonaws.com certificate host must be pointed at Nimbus's SigningCertURL.

export const snsModel = JSON.parse(readFileSync(new URL('../../../models/sns.json', import.meta.url), 'utf8')) as ServiceModel;

export interface SnsDeps {
  db: Db;
  queues: QueueEngine;
  dataDir: string;
  clock?: Clock;
  scheduler?: Scheduler;
  log?: Logger;
}

export interface SnsService {
  service: ServiceDefinition;
  engine: PubSubEngine;
  /** Routes under /_nimbus/sns/ (signing certificate, mailbox); mount in the gateway's internal routes. */
  internalRoutes: (req: HttpRequest) => HttpResponse | undefined;
  close(): void;
}

export function createSnsService(deps: SnsDeps): SnsService {
  const engine = PubSubEngine.open(deps);
  const handlers = snsHandlers(engine) as unknown as Record<string, Handler>;
  return {
    engine,
    internalRoutes: snsInternalRoutes(engine),
    close: () => engine.close(),
    service: {
      name: 'sns',
      model: snsModel,
      protocols: [protocols.query],
      handlers,
      limitations: [
        'Protocols sqs, http/https, email/email-json (local mailbox: `nimbus mail`) and lambda; sms, mobile push and firehose are not supported',
        'Messages are signed with a Nimbus key whose self-signed certificate is served at /_nimbus/sns/SimpleNotificationService.pem',
        'Topic policies, KMS encryption, data protection and delivery-status logging are stored but not enforced',
      ],
    },
  };
}
