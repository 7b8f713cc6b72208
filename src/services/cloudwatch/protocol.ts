import { gunzipSync } from 'node:zlib';
import { RequestEntityTooLarge } from '../../core/errors.ts';
import { protocols } from '../../protocol/index.ts';
import type { HttpRequest, Protocol } from '../../protocol/types.ts';
import { InvalidParameterValue } from '../../engines/metrics/index.ts';

/** PutMetricData requests are limited to 1 MB (after decompression). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The SDKs gzip large PutMetricData bodies (`Content-Encoding: gzip`, request compression). The gateway hands the
 * raw body over, so CloudWatch's protocols inflate it (bounded: a 1 MB request limit, no zip bombs) before the
 * generic model-driven parsers read it. (JSON requests are routed by X-Amz-Target, so detection never needs the
 * body; a gzipped query body would need the gateway to inflate before detection — no SDK that speaks query to
 * CloudWatch compresses.)
 */
function inflating(base: Protocol): Protocol {
  return {
    ...base,
    parse(req: HttpRequest, model, operation) {
      return base.parse(inflate(req), model, operation);
    },
  };
}

export function inflate(req: HttpRequest): HttpRequest {
  const enc = (req.headers['content-encoding'] ?? '').toLowerCase();
  let body = req.body;
  if (enc.split(',').some((e) => e.trim() === 'gzip')) {
    try {
      body = gunzipSync(body, { maxOutputLength: MAX_REQUEST_BYTES + 1 });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw new InvalidParameterValue('The request body is not valid gzip data.');
    }
  }
  if (body.length > MAX_REQUEST_BYTES) throw tooLarge();
  return body === req.body ? req : { ...req, body };
}

function tooLarge() {
  return new RequestEntityTooLarge(`Request size exceeded ${MAX_REQUEST_BYTES} bytes`);
}

export const cloudwatchJsonProtocol = inflating(protocols.json);
export const cloudwatchQueryProtocol = inflating(protocols.query);
