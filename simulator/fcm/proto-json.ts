/**
 * Proto3 JSON parsing the way Google's API front end does it, against a schema from
 * message-schema.ts: unknown names, wrong JSON types, bad enum values, bad durations and a second
 * member of a oneof are all collected (one field violation each, messages joined by newlines, as
 * in the sygnal capture on AGProjects/sylk-pushserver#16) and answered together as one 400
 * INVALID_ARGUMENT carrying a `google.rpc.BadRequest` — never an FcmError.
 *
 * Message templates, with their evidence:
 *   Unknown name "x" at 'message': Cannot find field.        healthjoy/async-firebase#23, matrix-org/sygnal#387
 *   Invalid value at 'message.data[0].value' (TYPE_STRING), 12   FCM error-codes page, example 1
 *   (type.googleapis.com/google.protobuf.Duration), Field 'ttl', Illegal duration format  Pub/Sub capture
 *   Proto field is not repeating, cannot start list.          beste/firebase-php#341
 *   (oneof), oneof field 'target' is already set. Cannot set 'topic'   Google's oneof wording (Sheets API)
 * Enum values are rendered the same way as other values; "Starting an object on a scalar field"
 * and the Timestamp wording are inferred.
 *
 * The result uses proto (snake_case) names whichever spelling the client used; `null` means
 * "unset", as in proto3 JSON.
 */
import type { FieldViolation } from './errors';
import { jsonName, type FieldSpec, type FieldType, type MessageSchema } from './message-schema';

export type ProtoObject = { [name: string]: ProtoValue };
export type ProtoValue = string | number | boolean | ProtoObject | ProtoValue[] | Record<string, string>;

const INVALID_JSON = 'Invalid JSON payload received.';
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const SCALAR_TYPE_NAMES: Partial<Record<FieldType['kind'], string>> = {
  string: 'TYPE_STRING',
  bool: 'TYPE_BOOL',
  int32: 'TYPE_INT32',
  float: 'TYPE_FLOAT',
};

export class ProtoJsonParser {
  readonly violations: FieldViolation[] = [];

  /** Parses a JSON object at the root of `schema` (the root has an empty path). */
  parseRoot(value: unknown, schema: MessageSchema): ProtoObject {
    if (!isObject(value)) {
      this.violate('', `${INVALID_JSON} Root element must be a message.`);
      return {};
    }
    return this.parseMessage(value, schema, '');
  }

  private parseMessage(value: Record<string, unknown>, schema: MessageSchema, path: string): ProtoObject {
    const out: ProtoObject = {};
    const oneofs = new Map<string, string>();
    for (const [key, raw] of Object.entries(value)) {
      const name = resolveName(schema, key);
      if (name === undefined) {
        this.violate(path, `${INVALID_JSON} Unknown name "${key}"${at(path)}: Cannot find field.`);
        continue;
      }
      if (raw === null) continue;
      const spec = schema[name]!;
      if (spec.oneof) {
        if (oneofs.has(spec.oneof) && oneofs.get(spec.oneof) !== name) {
          this.violate(path, `Invalid value at '${path}' (oneof), oneof field '${spec.oneof}' is already set. Cannot set '${jsonName(name)}'`);
          continue;
        }
        oneofs.set(spec.oneof, name);
      }
      const fieldPath = path === '' ? name : `${path}.${name}`;
      if (Array.isArray(raw) && spec.type.kind !== 'repeated') {
        this.violate(path, `${INVALID_JSON} Unknown name "${key}"${at(path)}: Proto field is not repeating, cannot start list.`);
        continue;
      }
      const parsed = this.parseValue(raw, spec, fieldPath, jsonName(name));
      if (parsed !== undefined) out[name] = parsed;
    }
    return out;
  }

  private parseValue(raw: unknown, spec: FieldSpec, path: string, json: string): ProtoValue | undefined {
    const t = spec.type;
    switch (t.kind) {
      case 'message':
        if (!isObject(raw)) return this.invalid(path, `type.googleapis.com/${t.type}`, raw);
        return this.parseMessage(raw, t.fields, path);
      case 'map':
        return this.parseMap(raw, t.entry, path);
      case 'struct':
        return isObject(raw) ? (raw as ProtoObject) : this.invalid(path, 'type.googleapis.com/google.protobuf.Struct', raw);
      case 'repeated': {
        if (!Array.isArray(raw)) {
          const itemType = t.of.kind === 'duration' ? 'type.googleapis.com/google.protobuf.Duration' : (SCALAR_TYPE_NAMES[t.of.kind] ?? 'TYPE_STRING');
          return this.invalid(path, itemType, raw);
        }
        const items: ProtoValue[] = [];
        raw.forEach((item, i) => {
          const v = item === null ? undefined : this.parseScalar(item, t.of, `${path}[${i}]`, json);
          if (v !== undefined) items.push(v);
        });
        return items;
      }
      default:
        return this.parseScalar(raw, t, path, json);
    }
  }

  private parseScalar(raw: unknown, t: FieldType, path: string, json: string): ProtoValue | undefined {
    const typeName = SCALAR_TYPE_NAMES[t.kind];
    if (isObject(raw) && typeName) {
      this.violate(path, `Invalid value at '${path}' (${typeName}), Starting an object on a scalar field`);
      return undefined;
    }
    switch (t.kind) {
      case 'string':
        return typeof raw === 'string' ? raw : this.invalid(path, 'TYPE_STRING', raw);
      case 'bool':
        return typeof raw === 'boolean' ? raw : this.invalid(path, 'TYPE_BOOL', raw);
      case 'int32': {
        const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
        return typeof n === 'number' && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : this.invalid(path, 'TYPE_INT32', raw);
      }
      case 'float': {
        const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
        return typeof n === 'number' && !Number.isNaN(n) ? n : this.invalid(path, 'TYPE_FLOAT', raw);
      }
      case 'enum':
        return this.parseEnum(raw, t, path);
      case 'duration':
        return this.parseDuration(raw, path, json);
      case 'timestamp':
        if (typeof raw === 'string' && TIMESTAMP.test(raw) && !Number.isNaN(Date.parse(raw))) return raw;
        this.violate(path, `Invalid value at '${path}' (type.googleapis.com/google.protobuf.Timestamp), Field '${json}', Invalid time format: Failed to parse input`);
        return undefined;
      default:
        return this.invalid(path, 'TYPE_STRING', raw);
    }
  }

  /** Enum names (or their numbers) → the canonical name. */
  private parseEnum(raw: unknown, t: Extract<FieldType, { kind: 'enum' }>, path: string): string | undefined {
    if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw < t.values.length) return t.values[raw];
    if (typeof raw === 'string') {
      const found = t.values.find((v) => (t.caseInsensitive ? v.toUpperCase() === raw.toUpperCase() : v === raw));
      if (found) return found;
    }
    return this.invalid(path, `type.googleapis.com/${t.type}`, raw);
  }

  private parseDuration(raw: unknown, path: string, json: string): string | undefined {
    const type = 'type.googleapis.com/google.protobuf.Duration';
    if (typeof raw !== 'string') return this.invalid(path, type, raw);
    if (DURATION.test(raw)) return raw;
    const why = raw.endsWith('s') ? 'Illegal duration format' : "Illegal duration format; duration must end with 's'";
    this.violate(path, `Invalid value at '${path}' (${type}), Field '${json}', ${why}`);
    return undefined;
  }

  /** map<string,string>: entries are numbered in JSON order, as `message.data[0].value`. */
  private parseMap(raw: unknown, entry: string, path: string): Record<string, string> | undefined {
    if (!isObject(raw)) return this.invalid(path, `type.googleapis.com/${entry}`, raw);
    const out: Record<string, string> = {};
    Object.entries(raw).forEach(([k, v], i) => {
      if (typeof v === 'string') out[k] = v;
      else if (isObject(v)) this.violate(`${path}[${i}].value`, `Invalid value at '${path}[${i}].value' (TYPE_STRING), Starting an object on a scalar field`);
      else this.invalid(`${path}[${i}].value`, 'TYPE_STRING', v);
    });
    return out;
  }

  private invalid(path: string, typeName: string, raw: unknown): undefined {
    this.violate(path, `Invalid value at '${path}' (${typeName}), ${render(raw)}`);
    return undefined;
  }

  private violate(field: string, description: string): void {
    this.violations.push(field === '' ? { description } : { field, description });
  }
}

function resolveName(schema: MessageSchema, key: string): string | undefined {
  if (Object.hasOwn(schema, key)) return key;
  return Object.keys(schema).find((name) => jsonName(name) === key);
}

const at = (path: string) => (path === '' ? '' : ` at '${path}'`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Values as Google prints them: strings quoted, numbers and booleans bare. */
const render = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v));
