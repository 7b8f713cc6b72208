import { ValidationException } from '../errors.ts';
import type { Expression } from '../generated/shapes.ts';

// Cost Explorer filter expressions (And / Or / Not / Dimensions) compiled to predicates over any record that can
// answer "what is your value for dimension X". Tags and cost categories are refused: Nimbus line items carry no cost
// allocation tags.

export type DimensionGetter = (dimension: string) => string | undefined;
export type Predicate = (get: DimensionGetter) => boolean;

const ROOTS = ['And', 'Or', 'Not', 'Dimensions', 'Tags', 'CostCategories'] as const;

export function compileExpression(expr: Expression | undefined, allowed: readonly string[], depth = 0): Predicate {
  if (expr === undefined) return () => true;
  if (depth > 32) throw new ValidationException('Expression is nested too deeply');
  const roots = ROOTS.filter((k) => expr[k] !== undefined && expr[k] !== null);
  if (roots.length !== 1) {
    throw new ValidationException('Expression has zero or more than one roots. Only one root operator is allowed for each expression: And, Or, Not, Dimensions, Tags, CostCategories');
  }
  const root = roots[0]!;
  switch (root) {
    case 'And':
    case 'Or': {
      const ops = expr[root]!;
      if (!Array.isArray(ops) || ops.length < 2) throw new ValidationException(`${root} expression must have at least 2 operands`);
      const parts = ops.map((e) => compileExpression(e, allowed, depth + 1));
      return root === 'And' ? (get) => parts.every((p) => p(get)) : (get) => parts.some((p) => p(get));
    }
    case 'Not': {
      const inner = compileExpression(expr.Not, allowed, depth + 1);
      return (get) => !inner(get);
    }
    case 'Tags':
      throw new ValidationException('Tags expressions are not supported by Nimbus: its line items carry no cost allocation tags');
    case 'CostCategories':
      throw new ValidationException('CostCategories expressions are not supported by Nimbus: it has no cost categories');
    case 'Dimensions':
      return dimensionPredicate(expr.Dimensions!, allowed);
  }
}

function dimensionPredicate(d: NonNullable<Expression['Dimensions']>, allowed: readonly string[]): Predicate {
  const key = d.Key;
  if (!key) throw new ValidationException('Dimensions expression must have a Key');
  if (!allowed.includes(key)) throw new ValidationException(`Dimension ${key} is not allowed here. Valid values are ${allowed.join(', ')}`);
  const opts = new Set(d.MatchOptions ?? []);
  const values = d.Values ?? [];
  if (opts.has('ABSENT')) return (get) => get(key) === undefined;
  if (!values.length) throw new ValidationException(`Dimensions expression for ${key} must have at least one value`);
  const insensitive = opts.has('CASE_INSENSITIVE');
  const norm = (s: string) => (insensitive ? s.toLowerCase() : s);
  const wanted = values.map(norm);
  const test = opts.has('STARTS_WITH') ? (v: string, w: string) => v.startsWith(w)
    : opts.has('ENDS_WITH') ? (v: string, w: string) => v.endsWith(w)
      : opts.has('CONTAINS') ? (v: string, w: string) => v.includes(w)
        : opts.has('GREATER_THAN_OR_EQUAL') ? (v: string, w: string) => v >= w
          : (v: string, w: string) => v === w;
  return (get) => {
    const v = get(key);
    if (v === undefined) return false;
    const nv = norm(v);
    return wanted.some((w) => test(nv, w));
  };
}
