/**
 * The scanner without a stack: each encoding is found when a value travels through the carrier
 * that produces it, locations and JSON key paths are right, stray canaries are caught, policies
 * allow exactly their exceptions, and verdict files get unique names.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Sink } from '../../../simulator/core/sinks';
import { makeCanary } from '../../../simulator/zulip-server/canary';
import { pythonBytesRepr } from '../../../simulator/bouncer/http/python-repr';
import { encodedForms, type EncodingName } from '../encodings';
import { makeNeedle } from '../needles';
import { policyFor, type PolicyContext } from '../policies';
import { NeedleScanner, fieldPaths, type Segment } from '../scan';
import { redact, sanitizeLabel, writeVerdict, type PrivacyVerdict } from '..';

const sink = (over: Partial<Sink> = {}): Sink => ({ name: 'test.log', component: 'test', kind: 'log', description: 'test', ...over });
const segment = (text: string | Buffer, over: Partial<Segment> = {}): Segment => ({
  sink: sink(),
  part: 'read()',
  bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'),
  format: 'lines',
  ...over,
});

/** A value with everything escaping touches: quotes, a backslash, a newline, non-ASCII, spaces, & and +. */
const TRICKY = 'Ünïcödé "quoted" \\ back\nslash & a+b «zpg»';
const NAME = "Dr. Siân O'Neil-Ng";

describe('encodings', () => {
  const scanner = new NeedleScanner([makeNeedle('content', 'tricky', TRICKY), makeNeedle('sender-name', 'name', NAME)]);
  const found = (carrier: string | Buffer) => scanner.scan(segment(carrier)).map((h) => `${h.needle.subject}/${h.form.encoding}`);

  const carriers: [EncodingName, (v: string) => string][] = [
    ['raw', (v) => `plain ${v} text`],
    ['json-escaped', (v) => JSON.stringify({ msg: `>${v}<` })],
    ['json-unicode', (v) => JSON.stringify({ msg: `>${v}<` }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
    ['json-escaped-2x', (v) => JSON.stringify({ body: JSON.stringify({ content: v }) })],
    ['url-form', (v) => new URLSearchParams({ content: v, x: '1' }).toString()],
    ['url-percent', (v) => `https://example.com/?q=${encodeURIComponent(v)}`],
    ['hex', (v) => `dump ${Buffer.from(`>${v}<`).toString('hex')}`],
    ['hex-upper', (v) => `DUMP ${Buffer.from(`>${v}<`).toString('hex').toUpperCase()}`],
  ];
  for (const [encoding, carry] of carriers) {
    it(`should find a value that went through ${encoding}`, () => {
      expect(found(carry(TRICKY))).toContain(`tricky/${encoding}`);
      expect(found(carry(NAME)).some((f) => f.startsWith('name/'))).toBe(true);
    });
  }

  it('should find base64 and base64url at every alignment (0, 1, 2 bytes before the value)', () => {
    for (const prefix of ['', 'a', 'ab', '{"content":"']) {
      const text = `${prefix}${TRICKY}" and more`;
      expect({ prefix, found: found(Buffer.from(text).toString('base64')) }).toEqual({ prefix, found: expect.arrayContaining(['tricky/base64']) });
      const url = found(Buffer.from(text).toString('base64url'));
      expect({ prefix, found: url.some((f) => f === 'tricky/base64url' || f === 'tricky/base64') }).toEqual({ prefix, found: true });
    }
  });

  it("should find a canary token in Zulip's access-log form of a 4xx body (Python bytes repr inside JSON)", () => {
    const canary = makeCanary(7, 3);
    const s = new NeedleScanner([makeNeedle('content', 'canary', canary)]);
    const body = Buffer.from(JSON.stringify({ result: 'error', msg: `ünï "${canary}" is not a valid hostname` }));
    const line = JSON.stringify({ msg: `status=400, data=${pythonBytesRepr(body)}, uid=unauth` });
    expect(s.scan(segment(line)).map((h) => h.fields)).toEqual([['msg']]);
  });

  it('should keep each distinct byte string once, and give binary values only raw, base64 and hex forms', () => {
    const ascii = encodedForms('abcdefghijkl');
    expect(ascii.map((f) => f.encoding)).toEqual(['raw', 'base64', 'base64', 'base64', 'hex', 'hex-upper']);
    const binary = encodedForms(Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05]));
    expect(new Set(binary.map((f) => f.encoding))).toEqual(new Set(['raw', 'base64', 'base64url', 'hex', 'hex-upper']));
    // Too short to search without false alarms: no base64 or hex forms.
    expect(encodedForms('abcd').map((f) => f.encoding)).toEqual(['raw']);
  });
});

describe('locations and fields', () => {
  it('should give line numbers and JSON key paths, inside JSON strings too', () => {
    const s = new NeedleScanner([makeNeedle('content', 'x', 'needle-value-1234')]);
    const text = [
      JSON.stringify({ msg: 'nothing here' }),
      JSON.stringify({ msg: 'ok', request: { body: JSON.stringify({ aps: { alert: { body: 'a needle-value-1234 b' } } }) } }),
      'not json needle-value-1234',
      JSON.stringify({ list: ['x', { deep: 'needle-value-1234' }] }),
    ].join('\n');
    const hits = s.scan(segment(text));
    expect(hits.map((h) => [h.line, h.fields])).toEqual([
      [2, ['request.body(json).aps.alert.body']],
      [3, undefined],
      [4, ['list[1].deep']],
    ]);
  });

  it('should give byte offsets in binary pieces', () => {
    const s = new NeedleScanner([makeNeedle('content', 'x', 'needle-value-1234')]);
    const bytes = Buffer.concat([Buffer.alloc(4096, 0), Buffer.from('needle-value-1234'), Buffer.alloc(10, 0xff)]);
    expect(s.scan(segment(bytes, { format: 'binary', part: 'bouncer.sqlite3' })).map((h) => [h.start, h.line])).toEqual([[4096, undefined]]);
  });

  it('should name keys that hold a value', () => {
    expect(fieldPaths({ a: { 'needle-value-1234': 1 } }, ['needle-value-1234'])).toEqual(['a.needle-value-1234 (key)']);
  });

  it("should catch a canary that no message explains, and skip the known ones", () => {
    const known = makeCanary(5, 1);
    const stray = makeCanary(5, 99);
    const s = new NeedleScanner([], { knownCanaries: new Set([known]), strayCanaries: true });
    const hits = s.scan(segment(`{"msg":"${known} ${stray} zpgc5qX"}`));
    expect(hits.map((h) => [h.needle.kind, h.needle.value, h.fields])).toEqual([['content', stray, ['msg']]]);
  });
});

describe('policies', () => {
  const ctx: PolicyContext = { realmByUrl: () => undefined, realmById: () => undefined };
  const key = 'K'.repeat(20) + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQR';
  const orgKey = makeNeedle('secret:zulip-org-key', 'zulip_org_key (current)', key);
  const judge = (s: Sink, text: string, format: Segment['format'] = 'lines') => {
    const scanner = new NeedleScanner([orgKey]);
    return scanner.scan(segment(text, { sink: s, format })).flatMap((h) => (h.fields && h.fields.length > 1 ? h.fields.map((f) => ({ ...h, fields: [f] })) : [h])).map((h) => policyFor(s).judge(h, ctx)?.kind ?? 'allowed');
  };
  const tables = sink({ name: 'bouncer.db.tables', component: 'bouncer', kind: 'database', read: () => '' });
  const raw = sink({ name: 'bouncer.db', component: 'bouncer', kind: 'database', path: '/nonexistent' });
  const responses = sink({ name: 'bouncer.responses', component: 'bouncer', kind: 'http-responses', path: '/nonexistent' });
  const bouncerLog = sink({ name: 'bouncer.log', component: 'bouncer', kind: 'log', path: '/nonexistent' });

  it('should allow an org key in remote_zulip_server.api_key only', () => {
    // Two occurrences in the row, each judged per column that holds the key.
    expect(new Set(judge(tables, JSON.stringify({ table: 'remote_zulip_server', row: 1, values: { api_key: key, last_version: key } })))).toEqual(
      new Set(['allowed', 'secret:zulip-org-key']),
    );
    expect(judge(tables, JSON.stringify({ table: 'remote_realm', row: 1, values: { api_key: key } }))).toEqual(['secret:zulip-org-key']);
    expect(judge(raw, `\u0000\u0001${key}\u0000`, 'binary')).toEqual(['allowed']);
  });

  it('should allow an org key in a response only as the zulip_org_key a successful verify_challenge hands out', () => {
    const line = (status: number, p: string, body: unknown) => JSON.stringify({ status, path: p, body: JSON.stringify(body) });
    const verify = '/api/v1/remotes/server/register/verify_challenge';
    expect(judge(responses, line(200, verify, { result: 'success', zulip_org_id: 'x', zulip_org_key: key }))).toEqual(['allowed']);
    expect(judge(responses, line(400, verify, { result: 'error', msg: `bad key ${key}` }))).toEqual(['secret:zulip-org-key']);
    expect(judge(responses, line(200, '/api/v1/remotes/server/register', { zulip_org_key: key }))).toEqual(['secret:zulip-org-key']);
    expect(judge(bouncerLog, JSON.stringify({ msg: key }))).toEqual(['secret:zulip-org-key']);
  });

  it('should give every sink a policy in words', () => {
    for (const s of [tables, raw, responses, bouncerLog, sink({ kind: 'journal', component: 'apns' }), sink({ component: 'zulip' }), sink({ component: 'fcm' })]) {
      expect(policyFor(s).text.length).toBeGreaterThan(20);
    }
  });
});

describe('verdict output', () => {
  it('should show values redacted: four characters, an ellipsis and the length', () => {
    expect(redact({ value: 'zpgc1q2q0123abcd' })).toBe('zpgc…(16 chars)');
    expect(redact({ value: 'Ünï' })).toBe('Ünï…(3 chars)');
  });

  it('should write each verdict to its own file under ZPG_PRIVACY_DIR', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-privacy-out-'));
    try {
      const v: PrivacyVerdict = { label: 'scenarios/delivery/x.test.ts (two words)', seed: 1, sinks: [], findings: [], scanMs: 0 };
      const a = writeVerdict(v, dir)!;
      const b = writeVerdict(v, dir)!;
      expect(path.basename(a)).toBe('scenarios_delivery_x.test.ts_two_words-1.json');
      expect(path.basename(b)).toBe('scenarios_delivery_x.test.ts_two_words-2.json');
      expect(JSON.parse(fs.readFileSync(b, 'utf8'))).toEqual(v);
      expect(sanitizeLabel('../../etc/passwd')).toBe('etc_passwd');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
