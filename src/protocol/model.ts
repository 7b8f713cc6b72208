import type { OperationModel, ServiceModel, Shape, ShapeRef } from './types.ts';

// Small lookups over a botocore model, shared by every protocol.

export function shapeOf(model: ServiceModel, ref: ShapeRef): Shape {
  const s = model.shapes[ref.shape];
  if (!s) throw new Error(`model ${model.metadata.endpointPrefix} has no shape ${ref.shape}`);
  return s;
}

export function operationOf(model: ServiceModel, name: string): OperationModel {
  const op = model.operations[name];
  if (!op) throw new Error(`model ${model.metadata.endpointPrefix} has no operation ${name}`);
  return op;
}

/** botocore's "serialized name": the reference's locationName, else the shape's own, else the default. */
export function serializedName(ref: ShapeRef, shape: Shape, fallback: string): string {
  return ref.locationName ?? shape.locationName ?? fallback;
}

/** `flattened` may sit on the member reference or on the shape itself; botocore merges both. */
export function isFlattened(ref: ShapeRef, shape: Shape): boolean {
  return Boolean(ref.flattened ?? shape.flattened);
}

/** The timestampFormat the reference or shape asks for, if any. */
export function timestampFormat(ref: ShapeRef, shape: Shape): string | undefined {
  return ref.timestampFormat ?? shape.timestampFormat;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date);
}
