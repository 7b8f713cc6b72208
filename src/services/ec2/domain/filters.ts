import { InvalidFilter } from '../errors.ts';

// EC2 Describe* filters: each filter name maps to a function giving the resource's values for it.
// A resource matches when every filter matches one of its values; '*' and '?' are wildcards.

export interface FilterInput { Name?: string; Values?: string[] }
export type FilterFields<T> = Record<string, (r: T) => (string | number | boolean | undefined | null)[] | string | number | boolean | undefined | null>;

function toRegex(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

export function applyFilters<T>(items: T[], filters: FilterInput[] | undefined, fields: FilterFields<T>, tagsOf?: (r: T) => { key: string; value: string }[]): T[] {
  if (!filters?.length) return items;
  const preds = filters.map((f) => {
    const name = f.Name ?? '';
    const values = (f.Values ?? []).map(toRegex);
    let get: (r: T) => unknown[];
    if (name.startsWith('tag:') && tagsOf) {
      const key = name.slice(4);
      get = (r) => tagsOf(r).filter((t) => t.key === key).map((t) => t.value);
    } else if (name === 'tag-key' && tagsOf) {
      get = (r) => tagsOf(r).map((t) => t.key);
    } else if (name === 'tag-value' && tagsOf) {
      get = (r) => tagsOf(r).map((t) => t.value);
    } else if (fields[name]) {
      const fn = fields[name];
      get = (r) => {
        const v = fn(r);
        return Array.isArray(v) ? v : [v];
      };
    } else {
      throw new InvalidFilter(`The filter '${name}' is invalid`);
    }
    return (r: T) => get(r).some((v) => v !== undefined && v !== null && values.some((re) => re.test(String(v))));
  });
  return items.filter((r) => preds.every((p) => p(r)));
}
