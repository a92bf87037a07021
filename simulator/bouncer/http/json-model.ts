/**
 * JSON-body endpoints (Zulip's `JsonBodyPayload[Model]`, pydantic in strict mode): the body is
 * one JSON document validated field by field in model order; the first failure is reported with
 * typed_endpoint's templates and a var_name of `payload["field"][index]` (zerver/lib/typed_endpoint.py).
 */
import { JsonableError } from '../../core/errors';
import { badRequest, requestVariableMissing } from '../errors';
import { readJsonBody } from './json-body';

export type JsonFieldKind = 'int' | 'str' | 'bool' | 'dict' | 'list' | 'strList' | 'any';

export interface JsonField {
  kind: JsonFieldKind;
  /** `X | None`: null is accepted. */
  nullable?: boolean;
  /** A field without a default; absent → error. */
  required?: boolean;
  /** The value used when the field is absent. */
  default?: unknown;
}

const loc = (base: string, ...parts: (string | number)[]) => base + parts.map((p) => `[${JSON.stringify(p)}]`).join('');

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function check(kind: JsonFieldKind, v: unknown, name: string): JsonableError | null {
  switch (kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? null : badRequest(`${name} is not an integer`);
    case 'str':
      return typeof v === 'string' ? null : badRequest(`${name} is not a string`);
    case 'bool':
      return typeof v === 'boolean' ? null : badRequest(`${name} is not a boolean`);
    case 'dict':
      return isDict(v) ? null : badRequest(`${name} is not a dict`);
    case 'list':
      return Array.isArray(v) ? null : badRequest(`${name} is not a list`);
    case 'strList': {
      if (!Array.isArray(v)) return badRequest(`${name} is not a list`);
      const i = v.findIndex((x) => typeof x !== 'string');
      return i === -1 ? null : badRequest(`${name}[${i}] is not a string`);
    }
    case 'any':
      return null;
  }
}

/**
 * Validates `value` (an already parsed JSON document) against `fields`. `forbidExtra` mirrors
 * `extra="forbid"`; otherwise unknown keys are ignored, as pydantic's default does.
 */
export function validateJsonModel<F extends Record<string, JsonField>>(
  value: unknown,
  fields: F,
  opts: { varName?: string; forbidExtra?: boolean } = {},
): { [K in keyof F]: unknown } {
  const base = opts.varName ?? 'payload';
  // Inferred: a body that is not an object fails pydantic's model_type, which has no template
  // (Zulip answers 500); we answer like a dict_type failure.
  if (!isDict(value)) throw badRequest(`${base} is not a dict`);
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(fields)) {
    if (!(key in value)) {
      // Inferred: pydantic's `missing` has no template either; we name it like typed_endpoint's
      // missing form parameter.
      if (f.required) throw requestVariableMissing(key);
      out[key] = structuredClone(f.default);
      continue;
    }
    const v = value[key];
    if (v === null && f.nullable) {
      out[key] = null;
      continue;
    }
    const err = check(f.kind, v, loc(base, key));
    if (err) throw err;
    out[key] = v;
  }
  if (opts.forbidExtra) {
    const extra = Object.keys(value).find((k) => !(k in fields));
    if (extra !== undefined) throw badRequest(`Argument "${extra}" at ${loc(base, extra)} is unexpected`);
  }
  return out as { [K in keyof F]: unknown };
}

/** Reads and validates a JSON body: `Malformed payload` / `Malformed JSON`, then the model. */
export function readJsonModel<F extends Record<string, JsonField>>(
  body: Buffer,
  fields: F,
  opts: { varName?: string; forbidExtra?: boolean } = {},
): { [K in keyof F]: unknown } {
  return validateJsonModel(readJsonBody(body), fields, opts);
}
