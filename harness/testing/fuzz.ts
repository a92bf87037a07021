/**
 * Protocol fuzzing with fast-check: shared settings, arbitraries, HTTP clients, envelope and
 * echo assertions, and the runner the simulators' fuzz.test.ts files use.
 *
 * Seeded and replayable. Every endpoint gets `ZPG_FUZZ_RUNS` (default 1000) inputs drawn from
 * one seed (default DEFAULT_FUZZ_SEED; `ZPG_FUZZ_SEED` overrides). They are sent concurrently
 * for speed; when one fails, the runner replays it alone through `fc.check` (same seed, the
 * failing index as the path), lets fast-check shrink it, and throws fast-check's report — the
 * counterexample, seed and path — with the one command that replays exactly that case:
 *
 *   ZPG_FUZZ_SEED=<seed> ZPG_FUZZ_PATH='<path>' npx jest <test file> -t '<endpoint>'
 *
 * (With ZPG_FUZZ_PATH set, the runner skips the batch and runs only that case, sequentially.)
 *
 * The canary: a token planted in inputs (letters and digits only, so URL-encoding and JSON
 * escaping leave it intact) that must never come back in a response (body or headers) nor reach
 * a log, in any encoding the privacy scanner knows (raw — case-insensitively —, base64 at every
 * alignment, hex). Fields a protocol echoes by design never carry it: each endpoint's spec says
 * which, citing the protocol document.
 */
import fs from 'node:fs';
import http2 from 'node:http2';
import tls from 'node:tls';
import fc from 'fast-check';
import { Pool, type Dispatcher } from 'undici';
import { createCertificateAuthority, type CertificateAuthority } from '../../simulator/core/tls';
import { encodedForms } from '../privacy/encodings';

// ---------------------------------------------------------------------------------------------
// Settings

export const DEFAULT_FUZZ_SEED = 20261125;
export const DEFAULT_FUZZ_RUNS = 1000;
/** In-flight requests per endpoint during the batch. */
export const DEFAULT_CONCURRENCY = 32;

export interface FuzzSettings {
  seed: number;
  runs: number;
  /** A fast-check path: replay only this case (ZPG_FUZZ_PATH). */
  path?: string;
}

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, not ${JSON.stringify(raw)}`);
    return n;
  };
  const seed = int('ZPG_FUZZ_SEED', DEFAULT_FUZZ_SEED, -(2 ** 31));
  if (seed >= 2 ** 31) throw new Error('ZPG_FUZZ_SEED must fit in 32 bits (fast-check seeds are int32)');
  const path = env.ZPG_FUZZ_PATH?.trim() || undefined;
  return { seed, runs: int('ZPG_FUZZ_RUNS', DEFAULT_FUZZ_RUNS, 1), path };
}

/**
 * Jest raises Error.stackTraceLimit to 100; every refused fuzz input makes an error in the
 * server under test, and deep stacks made those a noticeable share of a run's CPU. Node's
 * default (10) again, for this test file only (restored after it).
 */
export function limitStackTraces(limit = 10): void {
  const before = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  afterAll(() => {
    Error.stackTraceLimit = before;
  });
}

/** The test run's CA (made once by Jest's globalSetup, file named by ZPG_RUN_CA_FILE), else a new one. */
export function testRunCa(): CertificateAuthority {
  const file = process.env.ZPG_RUN_CA_FILE;
  if (file && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as CertificateAuthority;
  return createCertificateAuthority('Fuzz CA');
}

// ---------------------------------------------------------------------------------------------
// The canary

/** Lower-case letters and digits: survives URL-encoding, JSON escaping and lower-casing. */
export const CANARY = 'zpgfuzz7canary3q';

/** Each encoded form of the canary, searched case-insensitively when it is the raw text. */
const CANARY_FORMS = encodedForms(CANARY).map((f) => ({
  encoding: f.skip === undefined ? f.encoding : `${f.encoding}@${f.skip}`,
  text: f.bytes.toString('latin1'),
  caseless: f.bytes.toString('latin1') === CANARY,
}));

/** The encoding under which the canary occurs in `text`, or null. */
export function canaryIn(text: string): string | null {
  let lower: string | null = null;
  for (const f of CANARY_FORMS) {
    if (f.caseless) {
      lower ??= text.toLowerCase();
      if (lower.includes(f.text)) return f.encoding;
    } else if (text.includes(f.text)) return f.encoding;
  }
  return null;
}

/** The lines of `text` carrying the canary (for a failure report), at most `max`. */
export function canaryLines(text: string, max = 5): string[] {
  return text
    .split('\n')
    .filter((l) => canaryIn(l) !== null)
    .slice(0, max)
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
}

// ---------------------------------------------------------------------------------------------
// Logs

/** A component's log file, read from a byte offset: what a batch (or one case) wrote. */
export class LogTap {
  constructor(
    readonly name: string,
    readonly file: string,
  ) {}

  mark(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  since(offset: number): string {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return '';
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return '';
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/**
 * Printable ASCII (what an HTTP header value may hold): fast-check's default unit. (Custom units
 * — a mapped or constantFrom arbitrary — cost fast-check a reverse mapping per generated string.)
 */
export const asciiText = (maxLength = 24): fc.Arbitrary<string> => fc.string({ maxLength });

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Exactly `n` letters and digits (keys and ids of fixed length), cheap to generate. */
export const alnumText = (n: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Array.from(b, (x) => ALNUM[x % ALNUM.length]).join(''));

/** Strings that trip parsers: blanks, JSON-looking text, escapes, odd Unicode, lone surrogates. */
export const trickyText: fc.Arbitrary<string> = fc.constantFrom(
  '',
  ' ',
  '\t\n',
  '\u0000',
  'null',
  'None',
  'true',
  '0',
  '-1',
  '1.5',
  '1e309',
  '9007199254740993',
  '-9223372036854775809',
  '[]',
  '{}',
  '[1,',
  '"',
  "'",
  '\\',
  '%',
  '%00',
  '%zz',
  '+',
  '&',
  '=',
  '\u2028\u2029',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  'İı',
  'ß',
  '🙂',
  '\u0301',
  '<script>',
  '../../etc/passwd',
  '__proto__',
  'constructor',
);

/**
 * Long strings: past the protocols' length limits (128-character hostnames, 4096-character
 * tokens, 4 KiB payloads, Node's 16 KiB header limit), kept small enough that a thousand
 * requests stay cheap.
 */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 129, max: 5000 }) }, { weight: 1, arbitrary: fc.integer({ min: 5000, max: 20_000 }) }), fc.constantFrom('a', '0', 'é', '🙂', ' '))
  .map(([n, c]) => c.repeat(n));

/** Short text of every kind, without the canary (JSON leaves: a document has many). */
export const shortText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  // Any code points, lone surrogates included. (Not fc.string's 'binary' unit: its first use
  // builds a million-entry map, a second of CPU per test file.)
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 8 }).map((cps) => String.fromCodePoint(...cps)) },
  { weight: 3, arbitrary: trickyText },
);

/** Any text, without the canary: mostly short, sometimes huge. */
export const anyText: fc.Arbitrary<string> = fc.oneof({ weight: 15, arbitrary: shortText }, { weight: 1, arbitrary: hugeText });

/** `base` as is, or with the canary planted in it (alone, or between two of its values). */
export const withCanary = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: base },
    { weight: 2, arbitrary: fc.tuple(base, base).map(([a, b]) => `${a}${CANARY}${b}`) },
    { weight: 1, arbitrary: fc.constant(CANARY) },
  );

/** Any text, often carrying the canary. */
export const canaryText: fc.Arbitrary<string> = withCanary(anyText);

/** Bytes: random, invalid UTF-8, or a UTF-8 text with the canary inside. */
export const garbageBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.constantFrom(Uint8Array.from([0xff, 0xfe, 0xfd]), Uint8Array.from([0xc3, 0x28]), Uint8Array.from([0xed, 0xa0, 0x80]), Uint8Array.from([0])),
  fc.tuple(fc.uint8Array({ maxLength: 32 }), fc.uint8Array({ maxLength: 32 })).map(([a, b]) => Uint8Array.from([...a, ...Buffer.from(CANARY), ...b])),
);

/** Names for JSON keys and form parameters: echoed by Zulip's validators, so never the canary. */
export const fieldName = (known: readonly string[] = []): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: trickyText },
    ...(known.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...known) }] : []),
  );

/** A JSON leaf: every JSON type, numbers at the edges, short strings with or without the canary. */
export const jsonLeaf = (canary: boolean): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constantFrom(0, -0, 1, -1, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, 0.5, -1.5),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    canary ? withCanary(shortText) : shortText,
  );

/** Any JSON value (objects, arrays, leaves), depth-limited; string leaves carry the canary unless `canary: false`. */
export function jsonish(opts: { canary?: boolean; keys?: readonly string[]; maxDepth?: number } = {}): fc.Arbitrary<unknown> {
  const leaf = jsonLeaf(opts.canary ?? true);
  const key = fieldName(opts.keys);
  return fc.letrec((tie) => ({
    value: fc.oneof({ maxDepth: opts.maxDepth ?? 2, depthIdentifier: 'jsonish' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'jsonish' }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 3, depthIdentifier: 'jsonish' }),
  })).value;
}

/** JSON text JSON.stringify never writes: literals beyond doubles and int64, and near-JSON. */
export const oddJsonText = (keys: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...(keys.length > 0 ? keys : ['x'])),
        fc.constantFrom('123456789012345678901234567890', '1e999', '-0', '1.0', '1E2', '0x10', 'NaN', 'Infinity', '01', '+1', "'x'", 'undefined', '"\\ud800"', '"\\u0000"'),
      )
      .map(([k, v]) => `{${JSON.stringify(k)}: ${v}}`),
    fc.constantFrom('', ' ', '{', '[', 'nul', '{"a":1}}', '{"a":1,}', '\uFEFF{}', '{} {}', '"\u0000"', '{"__proto__": {"polluted": 1}}'),
    jsonish().map((v) => {
      const s = JSON.stringify(v) ?? 'null';
      return s.slice(0, Math.max(0, s.length - 1)); // truncated: never valid unless a lone digit
    }),
  );

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH', 'MKCOL', 'LOCK'] as const;

/** Mostly the endpoint's own method, sometimes any other. */
export const methodFor = (documented: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 12, arbitrary: fc.constant(documented) }, { weight: 2, arbitrary: fc.constantFrom(...HTTP_METHODS) });

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** Content types, right and wrong (undefined: no header). */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom<string | undefined>(
    undefined,
    FORM,
    `${FORM}; charset=utf-8`,
    'APPLICATION/X-WWW-FORM-URLENCODED',
    `${FORM}; charset=latin1`,
    JSON_TYPE,
    `${JSON_TYPE}; charset=utf-8`,
    'text/plain',
    'multipart/form-data; boundary=zzz',
    'application/octet-stream',
    '*/*',
    ';;;',
  ),
  asciiText(30),
);

// ---------------------------------------------------------------------------------------------
// Zulip-style requests (form, JSON-valued form, JSON body), as the bouncer and the server take them

export interface ParamSpec {
  name: string;
  /** A form value that gets past this parameter's own checks (so later checks are reached). */
  valid: fc.Arbitrary<string>;
  /** The same for JSON bodies; default: `valid` as a JSON string. */
  validJson?: fc.Arbitrary<unknown>;
  /** Why this field never carries the canary: the protocol echoes it by design (cite the spec). */
  echoed?: string;
}

export type Encoding = 'form' | 'json-form' | 'json';

export interface EndpointSpec {
  /** The endpoint's one method (a route without a method restriction names its usual one). */
  method: string;
  path: string | fc.Arbitrary<string>;
  encoding: Encoding;
  params: readonly ParamSpec[];
  /** The Authorization header (undefined: none). */
  auth: fc.Arbitrary<string | undefined>;
}

export interface HttpCase {
  /** How the body was built, for a readable counterexample. */
  shape: string;
  method: string;
  path: string;
  query: [string, string][];
  /** In order; a name may repeat. */
  headers: [string, string][];
  /** Text bodies stay strings (readable counterexamples); raw bytes otherwise. */
  body: string | Uint8Array | undefined;
}

/** Names an unknown parameter may reuse while carrying the canary: not the echoed ones. */
const plantable = (params: readonly ParamSpec[]) => params.filter((p) => !p.echoed).map((p) => p.name);

const garbageFor = (p: ParamSpec): fc.Arbitrary<string> => (p.echoed ? anyText : canaryText);
const garbageJsonFor = (p: ParamSpec): fc.Arbitrary<unknown> => jsonish({ canary: !p.echoed });
const validJsonOf = (p: ParamSpec): fc.Arbitrary<unknown> => p.validJson ?? p.valid;

/** Form pairs: each parameter absent, valid, garbage or repeated; plus unknown parameters. */
function formPairs(params: readonly ParamSpec[], value: (p: ParamSpec) => fc.Arbitrary<string>, garbage: (p: ParamSpec) => fc.Arbitrary<string>) {
  const one = (p: ParamSpec): fc.Arbitrary<[string, string][]> =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
      { weight: 20, arbitrary: value(p).map((v): [string, string][] => [[p.name, v]]) },
      { weight: 2, arbitrary: garbage(p).map((v): [string, string][] => [[p.name, v]]) },
      {
        weight: 1,
        arbitrary: fc.tuple(value(p), garbage(p), fc.boolean()).map(([v, g, first]): [string, string][] =>
          first ? [[p.name, v], [p.name, g]] : [[p.name, g], [p.name, v]],
        ),
      },
    );
  const extra = fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fieldName(plantable(params)), canaryText), { minLength: 1, maxLength: 2 }) });
  return fc.tuple(fc.tuple(...params.map(one)), extra).map(([groups, more]) => [...groups.flat(), ...more]);
}

const isFormType = (t: string | undefined) => t !== undefined && /^\s*application\/x-www-form-urlencoded/i.test(t);
const withoutCanary = (b: Uint8Array) => Buffer.from(Buffer.from(b).toString('latin1').split(CANARY).join(''), 'latin1');

const formEncode = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();

/** A JSON object of the endpoint's keys (each absent, valid or garbage) and unknown keys. */
function jsonObject(params: readonly ParamSpec[]): fc.Arbitrary<Record<string, unknown>> {
  const one = (p: ParamSpec) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 20, arbitrary: validJsonOf(p) },
      { weight: 2, arbitrary: garbageJsonFor(p) },
    );
  const extra = fc.dictionary(fieldName(plantable(params)), jsonish(), { maxKeys: 2 });
  return fc.tuple(fc.tuple(...params.map(one)), fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extra })).map(([values, more]) => {
    const out: Record<string, unknown> = {};
    params.forEach((p, i) => {
      if (values[i] !== undefined) out[p.name] = values[i];
    });
    for (const [k, v] of Object.entries(more)) if (!(k in out)) out[k] = v;
    return out;
  });
}

/**
 * Requests for one Zulip-style endpoint: mostly well-formed (right method, encoding and
 * credentials, so validation past authentication is exercised) with parameters missing, wrong,
 * repeated or unknown; sometimes the wrong encoding, garbage bytes, broken JSON, an empty body,
 * parameters in the query string, odd content types, other methods, bad credentials.
 */
export function zulipCase(spec: EndpointSpec): fc.Arbitrary<HttpCase> {
  const names = spec.params.map((p) => p.name);
  const documentedType = spec.encoding === 'json' ? JSON_TYPE : FORM;
  const stringValue = (p: ParamSpec) => (spec.encoding === 'json-form' ? validJsonOf(p).map((v) => JSON.stringify(v) ?? 'null') : p.valid);
  const stringGarbage = (p: ParamSpec) =>
    spec.encoding === 'json-form'
      ? fc.oneof(garbageJsonFor(p).map((v) => JSON.stringify(v) ?? 'null'), garbageFor(p), p.echoed ? oddJsonText([]) : withCanary(oddJsonText([])))
      : garbageFor(p);
  const form = formPairs(spec.params, stringValue, stringGarbage);

  type Body = { shape: string; body: string | Uint8Array | undefined; type: string | undefined; query?: [string, string][] };
  const inQuery: fc.Arbitrary<Body> = form.map((pairs) => ({ shape: 'query', body: undefined, type: undefined, query: pairs }));
  // A GET endpoint's parameters go in the query string. (A GET with a body is also fuzzed, now
  // and then: servers close such a connection, and new TLS connections are what costs most here.)
  const proper: fc.Arbitrary<Body> =
    spec.method === 'GET'
      ? inQuery
      : spec.encoding === 'json'
        ? jsonObject(spec.params).map((o) => ({ shape: 'json', body: JSON.stringify(o), type: documentedType }))
        : form.map((pairs) => ({ shape: spec.encoding, body: formEncode(pairs), type: documentedType }));
  const crossed: fc.Arbitrary<Body> =
    spec.encoding === 'json'
      ? form.map((pairs) => ({ shape: 'form-for-json', body: formEncode(pairs), type: FORM }))
      : jsonObject(spec.params).map((o) => ({ shape: 'json-for-form', body: JSON.stringify(o), type: JSON_TYPE }));
  // A body read as a form turns its text into parameter names, which success responses list
  // (ignored_parameters_unsupported, bouncer-protocol.md §1.3): a body that was not form-encoded
  // by us but goes out with a form content type carries no canary.
  const FORM_ENCODED = new Set(['form', 'json-form', 'form-for-json']);
  const formSafe = (b: Body): Body =>
    isFormType(b.type) && !FORM_ENCODED.has(b.shape) && b.body !== undefined
      ? { ...b, body: typeof b.body === 'string' ? b.body.split(CANARY).join('') : withoutCanary(b.body) }
      : b;
  const bodies = fc.oneof(
    { weight: spec.method === 'GET' ? 40 : 14, arbitrary: proper },
    { weight: 2, arbitrary: crossed },
    { weight: 2, arbitrary: inQuery },
    { weight: 1, arbitrary: fc.tuple(garbageBytes, contentType).map(([b, t]): Body => ({ shape: 'bytes', body: b, type: t })) },
    { weight: 1, arbitrary: fc.tuple(withCanary(oddJsonText(names)), fc.constantFrom(JSON_TYPE, FORM)).map(([b, t]): Body => ({ shape: 'odd-json', body: b, type: t })) },
    { weight: 1, arbitrary: jsonish({ keys: plantable(spec.params) }).map((v): Body => ({ shape: 'any-json', body: JSON.stringify(v) ?? 'null', type: JSON_TYPE })) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, documentedType, JSON_TYPE).map((t): Body => ({ shape: 'empty', body: undefined, type: t })) },
    { weight: 1, arbitrary: fc.tuple(proper, contentType).map(([b, t]): Body => ({ ...b, shape: `${b.shape}+type`, type: t })) },
  ).map(formSafe);

  const path = typeof spec.path === 'string' ? fc.constant(spec.path) : spec.path;
  const userAgent = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string | undefined>('ZulipServer/11.0') },
    // Logged by design (the client name in Zulip's access-log line, bouncer-protocol.md §12): no canary.
    { weight: 1, arbitrary: fc.option(asciiText(40), { nil: undefined }) },
  );
  const extraHeaders = fc.oneof(
    { weight: 4, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom('x-fuzz', 'x-forwarded-for', 'cookie', 'accept', 'x-csrftoken', 'origin'), withCanary(asciiText(20))), { maxLength: 2 }) },
  );
  return fc
    .record({ method: methodFor(spec.method), path, body: bodies, auth: spec.auth, userAgent, extraHeaders, query: fc.oneof({ weight: 5, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fieldName(plantable(spec.params)), canaryText), { maxLength: 2 }) }) })
    .map(({ method, path, body, auth, userAgent, extraHeaders, query }) => {
      const headers: [string, string][] = [];
      if (body.type !== undefined) headers.push(['content-type', body.type]);
      if (auth !== undefined) headers.push(['authorization', auth]);
      if (userAgent !== undefined) headers.push(['user-agent', userAgent]);
      headers.push(...extraHeaders);
      return { shape: body.shape, method, path, query: [...(body.query ?? []), ...query], headers, body: body.body };
    });
}

export const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/**
 * Authorization headers around one valid credential: mostly it, else none, a wrong password
 * (with the canary), an unknown or malformed user, another scheme, or garbage. The user part is
 * echoed by Zulip's auth errors (bouncer-protocol.md §2: "<role> is not registered"), so it
 * never carries the canary.
 */
export function basicAuthHeader(valid: { user: string; password: string }, otherUsers: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.constant(basicAuth(valid.user, valid.password)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: withCanary(asciiText(70)).map((p) => basicAuth(valid.user, p)) },
    { weight: 1, arbitrary: fc.tuple(otherUsers, fc.constantFrom(valid.password, 'x'.repeat(64))).map(([u, p]) => basicAuth(u, p)) },
    { weight: 1, arbitrary: fc.constantFrom(`${valid.user}:${valid.password}:extra`, `${valid.user}`, ':', '').map((s) => `Basic ${Buffer.from(s).toString('base64')}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Basic',
        'Basic ',
        'Basic a b',
        'Basic ====',
        'Basic !!!!',
        'Basic /w==',
        'basic ' + Buffer.from(`${valid.user}:${valid.password}`).toString('base64'),
        'Bearer ' + valid.password,
        'Digest username="x"',
        'Basic ' + Buffer.from([0xff, 0x3a, 0xfe]).toString('base64'),
      ),
    },
    { weight: 1, arbitrary: asciiText(40) },
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 client (undici): one pool per origin, `concurrency` connections

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

export interface HttpClient {
  send(c: Pick<HttpCase, 'method' | 'path' | 'query' | 'headers' | 'body'>): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** What no server may take longer than to answer a fuzz case. */
export const ANSWER_TIMEOUT_MS = 15_000;

export function httpClient(origin: string, opts: { ca?: string; connections?: number } = {}): HttpClient {
  const pool = new Pool(origin, {
    connections: opts.connections ?? DEFAULT_CONCURRENCY,
    headersTimeout: ANSWER_TIMEOUT_MS,
    bodyTimeout: ANSWER_TIMEOUT_MS,
    // One secure context for every connection: building one per connection (parsing the CA) was
    // most of the cost of a new TLS connection.
    ...(opts.ca ? { connect: { secureContext: tls.createSecureContext({ ca: opts.ca }) } } : {}),
  });
  return {
    async send(c) {
      const qs = c.query.length > 0 ? `?${new URLSearchParams(c.query).toString()}` : '';
      const res = await pool.request({
        method: c.method as Dispatcher.HttpMethod,
        // undici closes the connection after a body on a method that expects none (GET, DELETE…):
        // keep it, as a real client would (a new TLS connection per such request was most of a run).
        ...(c.method === 'HEAD' ? {} : { reset: false }),
        path: c.path + qs,
        headers: c.headers.flat(),
        body: c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : Buffer.from(c.body),
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      return { status: res.statusCode, headers, body, text: body.toString('utf8') };
    },
    close: () => pool.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP/2 client (node:http2): one session, many streams

export interface H2Client {
  /** `headers` may repeat a name (raw pairs); pseudo-headers included. */
  send(headers: [string, string][], body: string | Uint8Array | undefined): Promise<HttpResponse>;
  close(): Promise<void>;
}

export async function h2Client(url: string, ca: string): Promise<H2Client> {
  const session = http2.connect(url, { ca });
  await new Promise<void>((resolve, reject) => {
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => undefined);
      resolve();
    });
  });
  return {
    send(headers, body) {
      return new Promise((resolve, reject) => {
        // A repeated name becomes an array: node sends it as that many header fields.
        const h: http2.OutgoingHttpHeaders = {};
        for (const [name, value] of headers) {
          const had = h[name];
          h[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [String(had), value];
        }
        let req: http2.ClientHttp2Stream;
        try {
          req = session.request(h, { endStream: false });
        } catch (e) {
          return reject(e);
        }
        const chunks: Buffer[] = [];
        let status = 0;
        let out: Record<string, string> = {};
        const timer = setTimeout(() => {
          req.close(http2.constants.NGHTTP2_CANCEL);
          reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`));
        }, ANSWER_TIMEOUT_MS);
        req.on('response', (h) => {
          status = Number(h[':status']);
          out = {};
          for (const [k, v] of Object.entries(h)) if (v !== undefined && !k.startsWith(':')) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
        });
        req.on('data', (d: Buffer) => chunks.push(d));
        req.on('end', () => {
          clearTimeout(timer);
          const b = Buffer.concat(chunks);
          resolve({ status, headers: out, body: b, text: b.toString('utf8') });
        });
        req.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        if (!req.writableEnded) req.end(body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body));
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (session.closed || session.destroyed) return resolve();
        session.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Assertions

export class FuzzViolation extends Error {
  override name = 'FuzzViolation';
}

const show = (res: HttpResponse) => `${res.status} ${res.text.length > 300 ? `${res.text.slice(0, 300)}…` : res.text}`;

export function fail(what: string, res?: HttpResponse): never {
  throw new FuzzViolation(res ? `${what}; got ${show(res)}` : what);
}

export function assertNo5xx(res: HttpResponse): void {
  if (res.status >= 500) fail('a 5xx for a request a client can send', res);
}

/** The canary never comes back: not in the body, not in a header. */
export function assertNoEcho(res: HttpResponse): void {
  // (The UTF-8 text suffices: every form of the canary is ASCII, which decoding never alters.)
  const inBody = canaryIn(res.text);
  if (inBody) fail(`the response echoes the canary (${inBody})`, res);
  const inHeaders = canaryIn(JSON.stringify(res.headers));
  if (inHeaders) fail(`a response header echoes the canary (${inHeaders}): ${JSON.stringify(res.headers)}`);
}

export function parseJsonObject(res: HttpResponse, what: string): Record<string, unknown> {
  if (!/^application\/json\b/i.test(res.headers['content-type'] ?? '')) fail(`${what}: content-type is ${res.headers['content-type'] ?? 'missing'}, not JSON`, res);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    fail(`${what}: the body is not JSON`, res);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail(`${what}: the body is not a JSON object`, res);
  return body as Record<string, unknown>;
}

/**
 * Zulip's envelope (bouncer-protocol.md §1.3): 200 `{"result":"success","msg":""…}`; an error
 * `{"result":"error","msg":<text>,"code":<CODE>…}` — except 405, which carries
 * `allowed_methods` instead of `code` (§1.5; the bouncer's and the server's app.ts). A HEAD
 * answer has no body to check.
 */
export function assertZulipEnvelope(res: HttpResponse, method: string): Record<string, unknown> | null {
  assertNo5xx(res);
  assertNoEcho(res);
  if (method === 'HEAD') {
    if (res.status !== 200 && res.status < 400) fail('HEAD: neither success nor a client error', res);
    return null;
  }
  const body = parseJsonObject(res, 'Zulip envelope');
  if (res.status === 200) {
    if (body.result !== 'success' || body.msg !== '') fail('200 without the success envelope', res);
    return body;
  }
  if (res.status < 400) fail('neither 200 nor a 4xx', res);
  if (body.result !== 'error' || typeof body.msg !== 'string' || body.msg === '') fail('an error without {"result":"error","msg":…}', res);
  if (res.status === 405) {
    if (!Array.isArray(body.allowed_methods) || 'code' in body) fail('405 without allowed_methods (or with a code)', res);
  } else if (typeof body.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(body.code)) {
    fail('an error without a code', res);
  }
  return body;
}

/** A label for ZPG_FUZZ_STATS: the status and the start of the message, digits folded. */
export const answerLabel = (res: HttpResponse, msg: unknown): string =>
  `${res.status} ${typeof msg === 'string' ? msg.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/\d+/g, '#').slice(0, 70) : ''}`;

// ---------------------------------------------------------------------------------------------
// The runner

export interface FuzzTarget<T> {
  /** The test's name: `-t` filters on it to replay. */
  name: string;
  /** The test file, repo-relative, for the replay command. */
  testFile: string;
  arbitrary: fc.Arbitrary<T>;
  /**
   * Sends one input and checks the answer; throws (a FuzzViolation) on a bad one. May return a
   * label for the answer (e.g. status and message): with ZPG_FUZZ_STATS=1 the runner prints how
   * often each came, to see how deep the inputs reach.
   */
  run(input: T): Promise<string | void>;
  /** Logs the canary must never reach. */
  logs?: readonly LogTap[];
  /** Waits for work a request started after its answer (queues), before logs are read. */
  settle?: () => Promise<void>;
  concurrency?: number;
}

export interface FuzzRun {
  runs: number;
  ms: number;
}

function checkLogs(logs: readonly LogTap[], marks: number[]): void {
  logs.forEach((log, i) => {
    const text = log.since(marks[i]!);
    if (canaryIn(text) !== null) throw new FuzzViolation(`the canary reached the ${log.name} log:\n${canaryLines(text).join('\n')}`);
  });
}

/** Long runs of one character (huge strings) shortened, so a report stays readable; the replay shows all. */
const clip = (text: string): string =>
  text.replace(/(.)\1{63,}/gsu, (run, ch: string) => `${ch.repeat(8)}…<${[...run].length} × ${JSON.stringify(ch)}>`).replace(/[^\n]{4000,}/g, (l) => `${l.slice(0, 4000)}… (${l.length} characters)`);

/** The batch's distinct failures (first 120 characters, status digits folded), most frequent first. */
function kindsOf(failures: { error: unknown }[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const msg = f.error instanceof Error ? f.error.message : String(f.error);
    const kind = clip(msg.split('\n')[0]!).slice(0, 120);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return top.length === 0 ? '' : `; kinds: ${top.map(([k, n]) => `${n}× ${k}`).join(' | ')}`;
}

/** `-t` takes a regular expression: the name is matched literally. */
const testNamePattern = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "'\\''");

function replayCommand(t: FuzzTarget<unknown>, seed: number, path: string): string {
  const name = testNamePattern(t.name);
  return `ZPG_FUZZ_SEED=${seed} ZPG_FUZZ_PATH='${path}' npx jest ${t.testFile} -t '${name}'`;
}

async function pool<T>(items: readonly T[], concurrency: number, each: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await each(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Fuzzes one endpoint. Resolves when every input got a good answer and no log saw the canary;
 * otherwise throws fast-check's report of the (shrunk) counterexample with the replay command.
 */
export async function fuzz<T>(t: FuzzTarget<T>): Promise<FuzzRun> {
  const s = fuzzSettings();
  const logs = t.logs ?? [];
  const started = performance.now();
  // One case at a time, its own log lines checked: the replay (and shrinking) property.
  const property = fc.asyncProperty(t.arbitrary, async (input) => {
    const marks = logs.map((l) => l.mark());
    await t.run(input);
    await t.settle?.();
    checkLogs(logs, marks);
  });
  const failWith = (details: fc.RunDetails<[T]>, context: string): never => {
    const path = details.counterexamplePath ?? '';
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `Fuzzing ${t.name} failed${context}: ${clip(error)}\n${clip(fc.defaultReportMessage(details) ?? '')}\n\n` +
        `Replay this exact case:\n  ${replayCommand(t as FuzzTarget<unknown>, details.seed, path)}`,
    );
  };

  if (s.path !== undefined) {
    const details = await fc.check(property, { seed: s.seed, path: s.path, numRuns: 1 });
    if (details.failed) failWith(details, ` (replay of path ${s.path})`);
    return { runs: 1, ms: performance.now() - started };
  }

  // The batch: the same inputs fast-check's runner would draw (fc.sample = fc.check's stream), sent concurrently.
  const inputs = fc.sample(t.arbitrary, { seed: s.seed, numRuns: s.runs });
  const generatedMs = performance.now() - started;
  const marks = logs.map((l) => l.mark());
  const failures: { index: number; error: unknown }[] = [];
  const labels = new Map<string, number>();
  await pool(inputs, t.concurrency ?? DEFAULT_CONCURRENCY, async (input, index) => {
    try {
      const label = await t.run(input);
      if (label) labels.set(label, (labels.get(label) ?? 0) + 1);
    } catch (error) {
      failures.push({ index, error });
    }
  });
  await t.settle?.();
  let leak: string | null = null;
  try {
    checkLogs(logs, marks);
  } catch (e) {
    leak = (e as Error).message;
  }
  if (process.env.ZPG_FUZZ_STATS) {
    const bytes = inputs.reduce((n: number, i) => n + Buffer.byteLength(JSON.stringify(i) ?? ''), 0);
    const answers = [...labels].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${String(n).padStart(5)}  ${l}`);
    console.log(
      `${t.name}: generated in ${generatedMs.toFixed(0)} ms, ~${(bytes / 1e6).toFixed(1)} MB of inputs, total ${(performance.now() - started).toFixed(0)} ms\n${answers.join('\n')}`,
    );
  }
  if (failures.length === 0 && leak === null) return { runs: inputs.length, ms: performance.now() - started };

  // Pin it down alone: the first failing index, else (a log line has no index) the whole run in order.
  failures.sort((a, b) => a.index - b.index);
  const first = failures[0];
  const summary = ` (${failures.length} of ${inputs.length} inputs failed in the batch${leak ? '; a log saw the canary' : ''}${kindsOf(failures)})`;
  if (first) {
    const details = await fc.check(property, { seed: s.seed, path: String(first.index), numRuns: 1 });
    if (details.failed) failWith(details, summary);
  }
  const details = await fc.check(property, { seed: s.seed, numRuns: s.runs });
  if (details.failed) failWith(details, summary);
  // Not reproducible one at a time (it needed the batch's concurrency or state): report the batch's own evidence.
  const evidence = first
    ? clip(`input #${first.index}: ${fc.stringify(inputs[first.index])}\n${String((first.error as Error)?.message ?? first.error)}`)
    : (leak ?? '');
  throw new Error(
    `Fuzzing ${t.name} failed${summary}, but not when replayed one case at a time.\n${evidence}\n\n` +
      `Replay the batch: ZPG_FUZZ_SEED=${s.seed} ZPG_FUZZ_RUNS=${s.runs} npx jest ${t.testFile} -t '${testNamePattern(t.name)}'` +
      (first ? `\nReplay the case alone: ${replayCommand(t as FuzzTarget<unknown>, s.seed, String(first.index))}` : ''),
  );
}
