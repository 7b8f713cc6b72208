import { protocols } from '../../protocol/index.ts';
import type { HttpRequest, Protocol } from '../../protocol/types.ts';
import { queuePath } from './queue-url.ts';

/**
 * The query protocol as SQS speaks it: a request may be posted to the queue URL itself (`POST /{account}/{name}`
 * with `Action=SendMessage&…` and no QueueUrl parameter, as older SDKs and hand-written clients do). The QueueUrl
 * is then taken from the path. Everything else is the generic, model-driven query protocol.
 */
export const sqsQueryProtocol: Protocol = {
  ...protocols.query,
  parse(req: HttpRequest, model, operation) {
    const path = queuePath(req.path);
    const wantsUrl = path && model.shapes[model.operations[operation]?.input?.shape ?? '']?.members?.QueueUrl;
    if (!wantsUrl || /(^|&)QueueUrl=/.test(req.query) || /(^|&)QueueUrl=/.test(req.body.toString('latin1'))) return protocols.query.parse(req, model, operation);
    const url = `http://${req.headers.host ?? 'localhost:4566'}${req.path}`;
    const param = `QueueUrl=${encodeURIComponent(url)}`;
    return protocols.query.parse({ ...req, query: req.query ? `${req.query}&${param}` : param }, model, operation);
  },
};
