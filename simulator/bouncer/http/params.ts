/**
 * Zulip's `typed_endpoint` for form-encoded endpoints (bouncer-protocol.md §1.3–§1.4).
 *
 * A parameter is looked up in the POST body first, then the query string. Parameters are
 * taken one at a time in signature order, each either missing (REQUEST_VARIABLE_MISSING) or
 * parsed and validated, and the first failure is the answer — typed_endpoint's loop.
 * Parameters the request carried but no field consumed are reported back in
 * `ignored_parameters_unsupported` on success.
 */
import {
  badRequest,
  cannotBeBlank,
  invalidFormat,
  notAnInteger,
  notLength,
  notValidJson,
  requestVariableMissing,
  tooLong,
} from '../errors';

export class RequestParams {
  private readonly consumed = new Set<string>();

  constructor(
    private readonly post: URLSearchParams,
    private readonly query: URLSearchParams,
  ) {}

  /** Django QueryDict semantics: the last value of a repeated key wins. */
  get(name: string): string | undefined {
    this.consumed.add(name);
    const fromPost = this.post.getAll(name);
    if (fromPost.length > 0) return fromPost[fromPost.length - 1];
    const fromQuery = this.query.getAll(name);
    return fromQuery.length > 0 ? fromQuery[fromQuery.length - 1] : undefined;
  }

  has(name: string): boolean {
    return this.post.has(name) || this.query.has(name);
  }

  /** Sorted names of parameters sent but never read. */
  ignored(): string[] {
    const names = new Set([...this.post.keys(), ...this.query.keys()]);
    return [...names].filter((n) => !this.consumed.has(n)).sort();
  }
}

/** One declared parameter: its name, whether it is required, and how to validate it. */
export interface Field<T> {
  name: string;
  required: boolean;
  parse(raw: string): T;
}

type FieldValues<F extends readonly Field<unknown>[]> = {
  [K in F[number] as K['name']]: K extends Field<infer T>
    ? K['required'] extends true
      ? T
      : T | undefined
    : never;
};

export function readFields<const F extends readonly Field<unknown>[]>(
  params: RequestParams,
  fields: F,
): FieldValues<F> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value = params.get(f.name);
    if (value === undefined && f.required) throw requestVariableMissing(f.name);
    out[f.name] = value === undefined ? undefined : f.parse(value);
  }
  return out as FieldValues<F>;
}

export interface StringRules {
  /** RequiredStringConstraint: strip whitespace, then refuse an empty string. */
  nonBlank?: boolean;
  length?: number;
  maxLength?: number;
  pattern?: RegExp;
}

/** Python's str.strip() whitespace set (Unicode whitespace). */
const stripPython = (s: string) => s.replace(/^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/gu, '');

export function str<N extends string, R extends boolean>(
  name: N,
  required: R,
  rules: StringRules = {},
): Field<string> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw: string): string {
      let v = raw;
      if (rules.nonBlank) {
        v = stripPython(v);
        if (v === '') throw cannotBeBlank(name);
      }
      // Python counts code points, not UTF-16 units.
      const len = [...v].length;
      if (rules.length !== undefined && len !== rules.length) throw notLength(name, rules.length);
      if (rules.maxLength !== undefined && len > rules.maxLength) throw tooLong(name, rules.maxLength);
      if (rules.pattern && !rules.pattern.test(v)) throw invalidFormat(name);
      return v;
    },
  };
}

/**
 * A `Json[int]` value, digit for digit. typed_endpoint validates with strict=True, so only a JSON
 * integer literal passes: `1.0`, `1e3`, `true` and `"1"` are "not an integer".
 */
export function parseJsonInteger(name: string, raw: string): bigint {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw notValidJson(name);
  }
  const literal = raw.trim();
  if (typeof v !== 'number' || !/^-?\d+$/.test(literal)) throw notAnInteger(name);
  return BigInt(literal);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Zulip stores these in (Big)IntegerFields; a value the database cannot hold is a 500 there.
 * Inferred: we refuse it with `<name> is out of range`.
 */
const outOfRange = (name: string) => badRequest(`${name} is out of range`);

/** `Json[int]` as a JS number (ids, kinds); beyond 2^53 it is out of range. */
export function jsonInt<N extends string, R extends boolean>(name: N, required: R): Field<number> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw: string): number {
      const n = parseJsonInteger(name, raw);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw outOfRange(name);
      return Number(n);
    },
  };
}

/** `Json[int]` for BigIntegerFields (push_account_id): exact, within int64. */
export function jsonInt64<N extends string, R extends boolean>(name: N, required: R): Field<bigint> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw: string): bigint {
      const n = parseJsonInteger(name, raw);
      if (n > INT64_MAX || n < INT64_MIN) throw outOfRange(name);
      return n;
    },
  };
}

/** `Json[T]` for structured values; the shape is checked by the route. */
export function json<N extends string, R extends boolean>(
  name: N,
  required: R,
): Field<unknown> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw: string): unknown {
      try {
        return JSON.parse(raw);
      } catch {
        throw notValidJson(name);
      }
    },
  };
}
