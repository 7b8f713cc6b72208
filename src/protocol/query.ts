import type { AwsError } from '../core/errors.ts';
import { operationOf, shapeOf } from './model.ts';
import { decodeQueryInput, readParams } from './query-input.ts';
import type { HttpRequest, HttpResponse, Protocol, SerializeContext, ServiceModel } from './types.ts';
import { XmlWriter } from './xml.ts';
import { writeMembers } from './xml-output.ts';

// The AWS query protocol (STS, SQS/CloudWatch legacy, SNS, ELBv2, Auto Scaling): form input,
// `<OpResponse><OpResult>…</OpResult><ResponseMetadata>` output, `<ErrorResponse>` errors.

const CONTENT_TYPE = 'text/xml';

export function queryNamespace(model: ServiceModel): string {
  const ns = model.metadata.xmlNamespace as unknown;
  if (typeof ns === 'string') return ns;
  if (ns && typeof ns === 'object' && typeof (ns as { uri?: unknown }).uri === 'string') return (ns as { uri: string }).uri;
  return `https://${model.metadata.endpointPrefix}.amazonaws.com/doc/${model.metadata.apiVersion}/`;
}

export const queryProtocol: Protocol = {
  name: 'query',

  operationName(req: HttpRequest): string | undefined {
    return readParams(req, 'query').values.get('Action') || undefined;
  },

  parse(req: HttpRequest, model: ServiceModel, operation: string): Record<string, unknown> {
    return decodeQueryInput('query', model, operationOf(model, operation).input, readParams(req, 'query'));
  },

  serialize(model: ServiceModel, operation: string, output: unknown, ctx: SerializeContext): HttpResponse {
    const op = operationOf(model, operation);
    const root = `${operation}Response`;
    const w = new XmlWriter().open(root, queryNamespace(model));
    if (op.output) {
      const wrapper = op.output.resultWrapper;
      if (wrapper) w.open(wrapper);
      writeMembers(w, model, shapeOf(model, op.output), output);
      if (wrapper) w.close(wrapper);
    }
    w.open('ResponseMetadata').text('RequestId', ctx.requestId).close('ResponseMetadata').close(root);
    return { status: 200, headers: { 'content-type': CONTENT_TYPE }, body: w.toString() };
  },

  serializeError(model: ServiceModel | undefined, error: AwsError, ctx: SerializeContext): HttpResponse {
    const w = new XmlWriter()
      .open('ErrorResponse', model ? queryNamespace(model) : undefined)
      .open('Error').text('Type', error.fault).text('Code', error.code).text('Message', error.message).close('Error')
      .text('RequestId', ctx.requestId)
      .close('ErrorResponse');
    return { status: error.status, headers: { 'content-type': CONTENT_TYPE }, body: w.toString() };
  },
};
