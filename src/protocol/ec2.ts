import type { AwsError } from '../core/errors.ts';
import { operationOf, shapeOf } from './model.ts';
import { decodeQueryInput, readParams } from './query-input.ts';
import type { HttpRequest, HttpResponse, Protocol, SerializeContext, ServiceModel } from './types.ts';
import { XmlWriter } from './xml.ts';
import { writeMembers } from './xml-output.ts';

// The EC2 protocol: query-style input (flattened `Name.N` lists), camelCase XML output with
// `<requestId>` first and `<item>` list elements, and its own error envelope.

const CONTENT_TYPE = 'text/xml;charset=UTF-8';

function namespace(model: ServiceModel): string {
  // The model says "http://ec2.amazonaws.com/doc/2016-11-15" but EC2 answers with a trailing slash.
  return `http://ec2.amazonaws.com/doc/${model.metadata.apiVersion}/`;
}

export const ec2Protocol: Protocol = {
  name: 'ec2',

  operationName(req: HttpRequest): string | undefined {
    return readParams(req, 'ec2').values.get('Action') || undefined;
  },

  parse(req: HttpRequest, model: ServiceModel, operation: string): Record<string, unknown> {
    return decodeQueryInput('ec2', model, operationOf(model, operation).input, readParams(req, 'ec2'));
  },

  serialize(model: ServiceModel, operation: string, output: unknown, ctx: SerializeContext): HttpResponse {
    const op = operationOf(model, operation);
    const root = `${operation}Response`;
    const w = new XmlWriter(true).open(root, namespace(model)).text('requestId', ctx.requestId);
    // AWS: operations without an output shape still answer <return>true</return>.
    if (op.output) writeMembers(w, model, shapeOf(model, op.output), output);
    else w.text('return', 'true');
    w.close(root);
    return { status: 200, headers: { 'content-type': CONTENT_TYPE }, body: w.toString() };
  },

  serializeError(_model: ServiceModel | undefined, error: AwsError, ctx: SerializeContext): HttpResponse {
    const w = new XmlWriter(true)
      .open('Response').open('Errors').open('Error')
      .text('Code', error.code).text('Message', error.message)
      .close('Error').close('Errors')
      .text('RequestID', ctx.requestId)
      .close('Response');
    return { status: error.status, headers: { 'content-type': CONTENT_TYPE }, body: w.toString() };
  },
};
