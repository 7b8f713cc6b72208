import type { AwsError } from '../core/errors.ts';
import { jsonErrorHeaders } from './json-error.ts';
import { decodeJsonStructure, encodeJsonStructure, parseJsonBody } from './json-value.ts';
import { operationOf, shapeOf } from './model.ts';
import type { HttpRequest, HttpResponse, Protocol, SerializeContext, ServiceModel } from './types.ts';

// The AWS JSON protocol (1.0 and 1.1): POST /, operation in `X-Amz-Target: {targetPrefix}.{Op}`,
// JSON body in and out, `{"__type","message"}` errors with `x-amzn-ErrorType`.

function contentType(model: ServiceModel | undefined): string {
  return `application/x-amz-json-${model?.metadata.jsonVersion ?? '1.0'}`;
}

export const jsonProtocol: Protocol = {
  name: 'json',

  operationName(req: HttpRequest, model: ServiceModel): string | undefined {
    const target = req.headers['x-amz-target'];
    if (!target) return undefined;
    const dot = target.lastIndexOf('.');
    if (dot < 0) return undefined;
    const prefix = target.slice(0, dot);
    if (model.metadata.targetPrefix && prefix !== model.metadata.targetPrefix) return undefined;
    return target.slice(dot + 1) || undefined;
  },

  parse(req: HttpRequest, model: ServiceModel, operation: string): Record<string, unknown> {
    const body = parseJsonBody(req.body);
    const input = operationOf(model, operation).input;
    return input ? decodeJsonStructure(model, shapeOf(model, input), body, '') : {};
  },

  serialize(model: ServiceModel, operation: string, output: unknown, _ctx: SerializeContext): HttpResponse {
    const out = operationOf(model, operation).output;
    const body = out ? encodeJsonStructure(model, shapeOf(model, out), output) : {};
    return { status: 200, headers: { 'content-type': contentType(model) }, body: JSON.stringify(body) };
  },

  serializeError(model: ServiceModel | undefined, error: AwsError, _ctx: SerializeContext): HttpResponse {
    const { type, headers } = jsonErrorHeaders(model, error);
    return {
      status: error.status,
      headers: { 'content-type': contentType(model), ...headers },
      body: JSON.stringify({ __type: type, message: error.message }),
    };
  },
};
