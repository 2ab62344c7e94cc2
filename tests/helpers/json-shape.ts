/**
 * Structural comparison of JSON documents: learn the shape of reference
 * examples (the types seen at every path, which keys every object has, which
 * strings are millisecond timestamps) and list where another document
 * differs. Paths read like `$.incidents[].incident_updates[].status`.
 * A `canonical` function lets one record kind seen at several paths (a
 * component inside a group list, an incident, a maintenance) share what was
 * learned about it, so a field that is null in one example and a string in
 * another is known to be nullable everywhere.
 */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

interface Node {
  types: Set<JsonType>;
  objects: number;
  keys: Map<string, number>;
  strings: string[];
}

export interface CompareOptions {
  /** Allowed values of enum fields, by path pattern (the real path, not the canonical one). */
  enums?: Array<[RegExp, readonly string[]]>;
  /** Types allowed beyond those seen in the samples, by path pattern (the reference documents them). */
  alsoAllowed?: Array<[RegExp, JsonType[]]>;
}

export const MS_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/;

export const typeOf = (v: unknown): JsonType =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as 'string' | 'number' | 'boolean' | 'object');

export class ShapeBook {
  private readonly nodes = new Map<string, Node>();
  private readonly canonical: (path: string) => string;

  constructor(canonical: (path: string) => string = (p) => p) {
    this.canonical = canonical;
  }

  private node(path: string): Node | undefined {
    return this.nodes.get(this.canonical(path));
  }

  /** Adds one sample document (or value at `path`). */
  learn(value: unknown, path = '$'): this {
    const key = this.canonical(path);
    let n = this.nodes.get(key);
    if (!n) this.nodes.set(key, (n = { types: new Set(), objects: 0, keys: new Map(), strings: [] }));
    const t = typeOf(value);
    n.types.add(t);
    if (t === 'string') n.strings.push(value as string);
    if (t === 'array') for (const item of value as unknown[]) this.learn(item, `${path}[]`);
    if (t === 'object') {
      n.objects++;
      for (const [k, v] of Object.entries(value as object)) {
        n.keys.set(k, (n.keys.get(k) ?? 0) + 1);
        this.learn(v, `${path}.${k}`);
      }
    }
    return this;
  }

  /** Every difference between `value` and what was learned; empty when it conforms. */
  compare(value: unknown, opts: CompareOptions = {}, path = '$'): string[] {
    const n = this.node(path);
    if (!n) return [`${path}: not in the reference`];
    const t = typeOf(value);
    const extra = (opts.alsoAllowed ?? []).filter(([re]) => re.test(path)).flatMap(([, types]) => types);
    if (!n.types.has(t) && !extra.includes(t)) return [`${path}: ${t} where the reference has ${[...n.types].join('|')}`];
    const problems: string[] = [];
    if (t === 'string') {
      const s = value as string;
      if (n.strings.length > 0 && n.strings.every((x) => MS_TIMESTAMP.test(x)) && !MS_TIMESTAMP.test(s)) {
        problems.push(`${path}: "${s}" is not an ISO timestamp with milliseconds`);
      }
      for (const [re, allowed] of opts.enums ?? []) {
        if (re.test(path) && !allowed.includes(s)) problems.push(`${path}: "${s}" is not one of ${allowed.join(', ')}`);
      }
    }
    if (t === 'array' && this.node(`${path}[]`)) {
      for (const item of value as unknown[]) problems.push(...this.compare(item, opts, `${path}[]`));
    }
    if (t === 'object' && n.objects > 0) {
      const obj = value as Record<string, unknown>;
      for (const [k, count] of n.keys) if (count === n.objects && !(k in obj)) problems.push(`${path}.${k}: missing`);
      for (const [k, v] of Object.entries(obj)) {
        if (!n.keys.has(k)) problems.push(`${path}.${k}: not in the reference`);
        else problems.push(...this.compare(v, opts, `${path}.${k}`));
      }
    }
    return [...new Set(problems)];
  }
}
