import type { AwsError } from '../core/errors.ts';

/** The HTTP request as the gateway hands it to a protocol (body fully read). */
export interface HttpRequest {
  method: string;
  /** Path without the query string, e.g. '/' or '/2015-03-31/functions'. */
  path: string;
  /** Raw query string without '?', '' if none. */
  query: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Context passed to serializers. */
export interface SerializeContext {
  requestId: string;
}

/** botocore-format service model (the JSON in models/<service>.json). */
export interface ServiceModel {
  version?: string;
  metadata: {
    apiVersion: string;
    protocol: 'ec2' | 'query' | 'json' | 'rest-json' | 'rest-xml';
    protocols?: string[];
    jsonVersion?: string;
    targetPrefix?: string;
    signingName?: string;
    endpointPrefix: string;
    serviceId?: string;
    xmlNamespace?: string;
    awsQueryCompatible?: Record<string, unknown>;
    [k: string]: unknown;
  };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
  /** Every operation of the full AWS model (ours is trimmed), so "not implemented yet" differs from "no such action". */
  _allOperations?: string[];
  /** Where the trimmed model came from (botocore version and file). */
  _source?: string;
}

export interface OperationModel {
  name: string;
  http?: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef;
  output?: ShapeRef & { resultWrapper?: string };
  errors?: ShapeRef[];
}

export interface ShapeRef {
  shape: string;
  locationName?: string;
  queryName?: string;
  location?: 'header' | 'headers' | 'querystring' | 'uri' | 'statusCode';
  flattened?: boolean;
  xmlNamespace?: unknown;
  timestampFormat?: string;
  idempotencyToken?: boolean;
  jsonvalue?: boolean;
  [k: string]: unknown;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef; // list
  key?: ShapeRef; // map
  value?: ShapeRef; // map
  flattened?: boolean;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  timestampFormat?: string;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
  payload?: string;
  locationName?: string;
  [k: string]: unknown;
}

/**
 * One wire protocol. Knows nothing about services: everything comes from the model.
 * Inputs/outputs are plain objects keyed by model member names (PascalCase as in the model);
 * timestamps are Date objects, blobs are Buffers, numbers are numbers.
 */
export interface Protocol {
  readonly name: 'ec2' | 'query' | 'json' | 'rest-json';
  /** The operation name the request asks for, or undefined if none can be found (→ protocol's MissingAction/Unknown error). */
  operationName(req: HttpRequest, model: ServiceModel): string | undefined;
  /** Parse the input. Throws AwsError (e.g. InvalidParameterValue / SerializationException) on malformed input. */
  parse(req: HttpRequest, model: ServiceModel, operation: string): Record<string, unknown>;
  serialize(model: ServiceModel, operation: string, output: unknown, ctx: SerializeContext): HttpResponse;
  serializeError(model: ServiceModel | undefined, error: AwsError, ctx: SerializeContext): HttpResponse;
}

/** A JSON answer of Nimbus's own /_nimbus/ routes (pretty-printed: people read them with curl). */
export function jsonResponse(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body, null, 2) };
}
