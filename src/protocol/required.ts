import { isPlainObject, shapeOf } from './model.ts';
import type { ServiceModel, ShapeRef } from './types.ts';

// Required members, by the model's `required` lists. The protocol parsers check each member's type; whether a required
// member is there at all is each service's to answer, in its own error (ECS InvalidParameterException, Application
// Auto Scaling ValidationException, …), so handlers never see an input without it.

/** Path of the first required member missing from a decoded input (e.g. `containerDefinitions[0].healthCheck.command`). */
export function missingRequired(model: ServiceModel, ref: ShapeRef | undefined, value: unknown, path = ''): string | undefined {
  if (!ref || value === undefined || value === null) return undefined;
  const shape = shapeOf(model, ref);
  if (shape.type === 'structure' && isPlainObject(value)) {
    for (const name of shape.required ?? []) {
      if (value[name] === undefined || value[name] === null) return path ? `${path}.${name}` : name;
    }
    for (const [name, m] of Object.entries(shape.members ?? {})) {
      const found = missingRequired(model, m, value[name], path ? `${path}.${name}` : name);
      if (found) return found;
    }
  } else if (shape.type === 'list' && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = missingRequired(model, shape.member, value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (shape.type === 'map' && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const found = missingRequired(model, shape.value, v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

type AnyHandler = (input: any, ctx: any) => unknown;

/**
 * The same handlers, each first checking its operation's required members (nested ones too): a missing one is
 * `error(operation, path)`, thrown before the handler runs.
 */
export function requireMembers<H extends Record<string, AnyHandler>>(model: ServiceModel, handlers: H, error: (operation: string, path: string) => Error): H {
  const out: Record<string, AnyHandler> = {};
  for (const [op, h] of Object.entries(handlers)) {
    const input = model.operations[op]?.input;
    out[op] = input
      ? (i, ctx) => {
          const missing = missingRequired(model, input, i ?? {});
          if (missing) throw error(op, missing);
          return h(i, ctx);
        }
      : h;
  }
  return out as H;
}

/** AWS's (Coral's) wording for a missing required member. */
export const mustNotBeNull = (path: string) => `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`;
