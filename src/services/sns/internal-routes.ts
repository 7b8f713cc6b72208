import type { PubSubEngine } from '../../engines/pubsub/index.ts';
import { CERT_PATH } from '../../engines/pubsub/index.ts';
import { jsonResponse as json, type HttpRequest, type HttpResponse } from '../../protocol/types.ts';

// Nimbus-only SNS endpoints, mounted under /_nimbus/ by the gateway:
//   GET    /_nimbus/sns/SimpleNotificationService.pem   the certificate that verifies message signatures (SigningCertURL)
//   GET    /_nimbus/sns/mail[?to=addr&after=id&limit=n] the local mailbox (email / email-json subscriptions), JSON
//   DELETE /_nimbus/sns/mail[?to=addr]                  empties it


export function snsInternalRoutes(engine: PubSubEngine) {
  return (req: HttpRequest): HttpResponse | undefined => {
    if (req.path === CERT_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: engine.certPem };
    }
    if (req.path === '/_nimbus/sns/mail') {
      const q = new URLSearchParams(req.query);
      const to = q.get('to') ?? undefined;
      if (req.method === 'DELETE') return json(200, { deleted: engine.clearMail(to) });
      if (req.method !== 'GET') return json(405, { message: 'GET or DELETE' });
      const after = Number(q.get('after') ?? 0);
      const limit = Math.min(Math.max(Number(q.get('limit') ?? 1000), 1), 10_000);
      if (!Number.isFinite(after) || !Number.isFinite(limit)) return json(400, { message: 'after and limit must be numbers' });
      const messages = engine.mail({ to, after, limit }).map((m) => ({
        id: m.id, to: m.to, subject: m.subject, kind: m.kind, contentType: m.contentType, topicArn: m.topicArn,
        subscriptionArn: m.subscriptionArn, date: new Date(m.createdAt).toISOString(), body: m.body,
      }));
      return json(200, { messages });
    }
    return undefined;
  };
}
