import { ec2Protocol } from './ec2.ts';
import { jsonProtocol } from './json.ts';
import { queryProtocol } from './query.ts';
import { restJsonProtocol } from './rest-json.ts';
import type { Protocol, ServiceModel } from './types.ts';

// Every wire protocol Nimbus speaks. They know nothing about services: the model drives them.
export const protocols: { ec2: Protocol; query: Protocol; json: Protocol; 'rest-json': Protocol } = {
  ec2: ec2Protocol,
  query: queryProtocol,
  json: jsonProtocol,
  'rest-json': restJsonProtocol,
};

/** The model's own protocol. rest-xml (S3, Route 53) is not spoken yet. */
export function protocolFor(model: ServiceModel): Protocol {
  const name = model.metadata.protocol;
  if (name === 'rest-xml') throw new Error(`protocol rest-xml (${model.metadata.endpointPrefix}) is not supported yet`);
  return protocols[name];
}

export type { HttpRequest, HttpResponse, Protocol, SerializeContext, ServiceModel } from './types.ts';
