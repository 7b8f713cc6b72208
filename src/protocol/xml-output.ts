import { isFlattened, isPlainObject, serializedName, shapeOf, timestampFormat } from './model.ts';
import { formatTimestamp, toDate } from './timestamps.ts';
import type { ServiceModel, Shape, ShapeRef } from './types.ts';
import type { XmlWriter } from './xml.ts';

// Output bodies of the ec2 and query protocols: the same XML rules, read by botocore's and the SDK's
// XML parsers. Element name = locationName ?? member name; non-flattened lists wrap each element in
// the list member's locationName (EC2: `item`, query: `member` by default); undefined/null is omitted.

function scalarText(shape: Shape, ref: ShapeRef, v: unknown): string {
  switch (shape.type) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'timestamp': {
      const d = toDate(v);
      return d ? String(formatTimestamp(d, timestampFormat(ref, shape) ?? 'iso8601')) : String(v);
    }
    case 'blob':
      return Buffer.isBuffer(v) ? v.toString('base64') : Buffer.from(String(v)).toString('base64');
    default:
      return String(v);
  }
}

/** Writes `value` as the element(s) `name` for the member reference `ref`. */
export function writeValue(w: XmlWriter, model: ServiceModel, ref: ShapeRef, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case 'structure':
      w.open(name);
      writeMembers(w, model, shape, value);
      w.close(name);
      return;
    case 'list': {
      const items = Array.isArray(value) ? value : [value];
      const m = shape.member!;
      if (isFlattened(ref, shape)) {
        for (const item of items) writeValue(w, model, m, name, item);
        return;
      }
      if (!items.length) {
        // An empty list is an empty wrapper: parsers read it as [] (EC2 itself sends e.g. <groupSet/>).
        w.empty(name);
        return;
      }
      const itemName = m.locationName ?? shapeOf(model, m).locationName ?? 'member';
      w.open(name);
      for (const item of items) writeValue(w, model, m, itemName, item);
      w.close(name);
      return;
    }
    case 'map': {
      if (!isPlainObject(value) && !(value instanceof Map)) return;
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      const kName = shape.key!.locationName ?? 'key', vName = shape.value!.locationName ?? 'value';
      const flat = isFlattened(ref, shape);
      if (!flat) w.open(name);
      for (const [k, v] of entries) {
        if (v === undefined || v === null) continue;
        const entry = flat ? name : 'entry';
        w.open(entry);
        w.text(kName, String(k));
        writeValue(w, model, shape.value!, vName, v);
        w.close(entry);
      }
      if (!flat) w.close(name);
      return;
    }
    default:
      w.text(name, scalarText(shape, ref, value));
  }
}

/** The members of a structure, in model order; values not in the model are not sent. */
export function writeMembers(w: XmlWriter, model: ServiceModel, shape: Shape, value: unknown): void {
  if (!isPlainObject(value)) return;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    const s = shapeOf(model, ref);
    // botocore reads a flattened list whose member has a locationName under that name.
    const elem = s.type === 'list' && isFlattened(ref, s) && (s.member!.locationName ?? shapeOf(model, s.member!).locationName)
      ? (s.member!.locationName ?? shapeOf(model, s.member!).locationName)!
      : serializedName(ref, s, name);
    writeValue(w, model, ref, elem, v);
  }
}
