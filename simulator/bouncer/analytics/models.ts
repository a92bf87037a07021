/**
 * The analytics upload's row models (zerver/lib/remote_server.py: RealmCountDataForAnalytics,
 * InstallationCountDataForAnalytics, RealmAuditLogDataForAnalytics, RealmDataForAnalytics),
 * validated the way typed_endpoint runs pydantic: strict mode, fields in declaration order,
 * items in list order, extra keys after the declared fields, and only the first error reported.
 */
import { notValidJson } from '../errors';
import type { Field } from '../http/params';
import {
  invalidUuidAt,
  keyMissing,
  notABoolean,
  notADict,
  notAFloat,
  notAList,
  notAnIntegerAt,
  notAString,
  unexpectedArgument,
  valueError,
} from './errors';

export interface RealmCountRow {
  property: string;
  realm: number;
  id: number;
  end_time: number;
  subgroup: string | null;
  value: number;
}

export interface InstallationCountRow {
  property: string;
  id: number;
  end_time: number;
  subgroup: string | null;
  value: number;
}

export interface AuditLogRow {
  id: number;
  realm: number;
  event_time: number;
  backfilled: boolean;
  extra_data: string | Record<string, unknown> | null;
  event_type: number;
}

export interface RealmData {
  id: number;
  host: string;
  url: string;
  name: string;
  org_type: number;
  date_created: number;
  deactivated: boolean;
  is_system_bot_realm: boolean;
  authentication_methods: Record<string, boolean>;
  /** Canonical (lower-case, hyphenated), as str(UUID) gives it. */
  uuid: string;
  uuid_owner_secret: string;
}

/** zerver/models/realms.py OrgTypeEnum (= Realm.ORG_TYPES ids). */
export const ORG_TYPE_IDS: ReadonlySet<number> = new Set([0, 10, 20, 30, 35, 40, 50, 60, 70, 80, 90, 100, 1000]);

type Kind = 'int' | 'float' | 'str' | 'optionalStr' | 'bool' | 'boolDict' | 'extraData' | 'uuid4';

interface FieldSpec {
  name: string;
  kind: Kind;
  /** Present = the key may be omitted (pydantic does not validate defaults). */
  default?: () => unknown;
  /** A field_validator: returns a value-error message, or null. */
  check?: (value: unknown) => string | null;
}

interface ModelSpec {
  fields: FieldSpec[];
  /** ConfigDict(extra="forbid"); otherwise extra keys are ignored. */
  forbidExtra: boolean;
}

/** pydantic's location → typed_endpoint's var_name: `name` + `[json.dumps(loc)]` per step. */
const at = (varName: string, loc: string | number) => `${varName}[${JSON.stringify(loc)}]`;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const UUID_FORMS = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[0-9a-f]{32}$/i,
  /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i,
  /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
];

/**
 * pydantic's UUID parsing (the forms the `uuid` crate accepts), normalised to str(UUID);
 * null if unparsable. Also used for realm_uuid lookups.
 */
export function canonicalUuid(s: string): string | null {
  if (!UUID_FORMS.some((re) => re.test(s))) return null;
  const hex = s.replace(/^urn:uuid:/i, '').replace(/[{}-]/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function validateValue(kind: Kind, value: unknown, varName: string): unknown {
  switch (kind) {
    case 'int':
      // Strict mode: booleans and strings are not integers.
      if (typeof value !== 'number' || !Number.isInteger(value)) throw notAnIntegerAt(varName);
      return value;
    case 'float':
      // Strict floats still accept JSON integers.
      if (typeof value !== 'number') throw notAFloat(varName);
      return value;
    case 'str':
      if (typeof value !== 'string') throw notAString(varName);
      return value;
    case 'optionalStr':
      if (value !== null && typeof value !== 'string') throw notAString(varName);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw notABoolean(varName);
      return value;
    case 'boolDict': {
      if (!isPlainObject(value)) throw notADict(varName);
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'boolean') throw notABoolean(at(varName, k));
      return value;
    }
    case 'extraData':
      // `str | dict[str, Any] | None`: pydantic reports the union's first member, located by its
      // tag (inferred: `...["extra_data"]["str"] is not a string`).
      if (value === null || typeof value === 'string' || isPlainObject(value)) return value;
      throw notAString(at(varName, 'str'));
    case 'uuid4': {
      const canonical = typeof value === 'string' ? canonicalUuid(value) : null;
      if (canonical === null) throw invalidUuidAt(varName, 'Input should be a valid UUID');
      if (canonical[14] !== '4') throw invalidUuidAt(varName, 'UUID version 4 expected');
      return canonical;
    }
  }
}

function validateModel<T>(spec: ModelSpec, value: unknown, varName: string): T {
  // pydantic's model_type error has no Zulip template (a 500 there); inferred: the dict wording.
  if (!isPlainObject(value)) throw notADict(varName);
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    if (!Object.prototype.hasOwnProperty.call(value, f.name)) {
      if (f.default) {
        out[f.name] = f.default();
        continue;
      }
      throw keyMissing(f.name, varName);
    }
    const v = validateValue(f.kind, value[f.name], at(varName, f.name));
    const problem = f.check?.(v);
    if (problem) throw valueError(at(varName, f.name), problem);
    out[f.name] = v;
  }
  if (spec.forbidExtra) {
    const declared = new Set(spec.fields.map((f) => f.name));
    for (const key of Object.keys(value)) {
      if (!declared.has(key)) throw unexpectedArgument(key, at(varName, key));
    }
  }
  return out as T;
}

function validateList<T>(spec: ModelSpec, value: unknown, varName: string): T[] {
  if (!Array.isArray(value)) throw notAList(varName);
  return value.map((item, i) => validateModel<T>(spec, item, at(varName, i)));
}

const REALM_COUNT: ModelSpec = {
  forbidExtra: false,
  fields: [
    { name: 'property', kind: 'str' },
    { name: 'realm', kind: 'int' },
    { name: 'id', kind: 'int' },
    { name: 'end_time', kind: 'float' },
    { name: 'subgroup', kind: 'optionalStr' },
    { name: 'value', kind: 'int' },
  ],
};

const INSTALLATION_COUNT: ModelSpec = {
  forbidExtra: false,
  fields: [
    { name: 'property', kind: 'str' },
    { name: 'id', kind: 'int' },
    { name: 'end_time', kind: 'float' },
    { name: 'subgroup', kind: 'optionalStr' },
    { name: 'value', kind: 'int' },
  ],
};

const AUDIT_LOG: ModelSpec = {
  forbidExtra: false,
  fields: [
    { name: 'id', kind: 'int' },
    { name: 'realm', kind: 'int' },
    { name: 'event_time', kind: 'float' },
    { name: 'backfilled', kind: 'bool' },
    { name: 'extra_data', kind: 'extraData' },
    { name: 'event_type', kind: 'int' },
  ],
};

const REALM: ModelSpec = {
  forbidExtra: true,
  fields: [
    { name: 'id', kind: 'int' },
    { name: 'host', kind: 'str' },
    { name: 'url', kind: 'str' },
    { name: 'name', kind: 'str', default: () => '' },
    {
      name: 'org_type',
      kind: 'int',
      default: () => 0,
      check: (v) => (ORG_TYPE_IDS.has(v as number) ? null : 'Not a valid org_type value'),
    },
    { name: 'date_created', kind: 'float' },
    { name: 'deactivated', kind: 'bool' },
    { name: 'is_system_bot_realm', kind: 'bool', default: () => false },
    { name: 'authentication_methods', kind: 'boolDict', default: () => ({}) },
    { name: 'uuid', kind: 'uuid4' },
    { name: 'uuid_owner_secret', kind: 'str' },
  ],
};

function jsonValue(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw notValidJson(name);
  }
}

function listField<T, N extends string, R extends boolean>(
  spec: ModelSpec,
  name: N,
  required: R,
): Field<T[]> & { name: N; required: R } {
  return { name, required, parse: (raw) => validateList<T>(spec, jsonValue(name, raw), name) };
}

export const realmCountsField = <N extends string, R extends boolean>(name: N, required: R) =>
  listField<RealmCountRow, N, R>(REALM_COUNT, name, required);
export const installationCountsField = <N extends string, R extends boolean>(name: N, required: R) =>
  listField<InstallationCountRow, N, R>(INSTALLATION_COUNT, name, required);
export const auditLogRowsField = <N extends string, R extends boolean>(name: N, required: R) =>
  listField<AuditLogRow, N, R>(AUDIT_LOG, name, required);
export const realmsField = <N extends string, R extends boolean>(name: N, required: R) =>
  listField<RealmData, N, R>(REALM, name, required);

/**
 * `Json[str] | None`: a JSON string. A JSON null is refused like any other non-string — the
 * None default is only reachable by omitting the field (Zulip's test_json_optional).
 */
export function jsonStrField<N extends string, R extends boolean>(
  name: N,
  required: R,
): Field<string> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw) {
      const v = jsonValue(name, raw);
      if (typeof v !== 'string') throw notAString(name);
      return v;
    },
  };
}
