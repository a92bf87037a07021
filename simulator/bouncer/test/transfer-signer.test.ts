/** Verification secrets: Django TimestampSigner compatibility and Zulip's four refusals (§3.3). */
import { JsonableError } from '../../core/errors';
import {
  b62Decode,
  b62Encode,
  generateVerificationSecret,
  timestampSign,
  validateVerificationSecret,
} from '../transfer/signer';

const KEY = 'test-secret-key-ü';
const T = 1_767_268_800.75;

/** The message validateVerificationSecret throws, or 'ok'. */
function outcome(secret: string, hostname: string, now: number): string {
  try {
    validateVerificationSecret(secret, hostname, KEY, now);
    return 'ok';
  } catch (e) {
    if (!(e instanceof JsonableError)) throw e;
    expect(e.status).toBe(400);
    return e.message;
  }
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

it('should sign exactly as Django 5 TimestampSigner(salt="remote_server_transfer") does', () => {
  // Computed with django.core.signing's algorithm (SHA-256 salted_hmac, base62 time, b64url).
  expect(timestampSign('zulip.example.net', KEY, T)).toBe('zulip.example.net:1vbHLU:fCYubmnxGoLmdizBBFIAu0oMO7rqrpVXAhP7KIuwTyU');
  expect(generateVerificationSecret('zulip.example.net', KEY, T)).toBe(hex('zulip.example.net:1vbHLU:fCYubmnxGoLmdizBBFIAu0oMO7rqrpVXAhP7KIuwTyU'));
});

it('should round-trip base62 like Django', () => {
  for (const n of [0, 1, 61, 62, 1_767_268_800]) expect(b62Decode(b62Encode(n))).toBe(n);
  expect(b62Encode(1_767_268_800)).toBe('1vbHLU');
  expect(b62Decode('')).toBeUndefined();
  expect(b62Decode('a+b')).toBeUndefined();
});

it('should accept its own secret up to and including 10 s of age, then call it expired', () => {
  const secret = generateVerificationSecret('zulip.example.net', KEY, T);
  // age counts from int(time) at signing: T floors to ...800
  expect(outcome(secret, 'zulip.example.net', 1_767_268_810)).toBe('ok');
  expect(outcome(secret, 'zulip.example.net', 1_767_268_810.001)).toBe('The verification secret has expired');
});

it.each([
  ['non-hex', 'XYZ'],
  ['lowercase hex', hex('a:b:c').toLowerCase()],
  ['odd length', 'ABC'],
  ['invalid UTF-8', 'C328'],
  ['non-ASCII', 'É0'],
])('should call %s malformed', (_what, secret) => {
  expect(outcome(secret, 'zulip.example.net', T)).toBe('The verification secret is malformed');
});

it.each([
  ['empty (valid hex, no separator)', ''],
  ['no separator', hex('zulip.example.net')],
  ['wrong signature', hex('zulip.example.net:1vbHLU:AAAA')],
  ['a signature one character off', hex('zulip.example.net:1vbHLU:fCYubmnxGoLmdizBBFIAu0oMO7rqrpVXAhP7KIuwTyV')],
])('should call %s invalid', (_what, secret) => {
  expect(outcome(secret, 'zulip.example.net', T)).toBe('The verification secret is invalid');
});

it('should check the hostname last', () => {
  const secret = generateVerificationSecret('other.example.net', KEY, T);
  expect(outcome(secret, 'zulip.example.net', T)).toBe('The verification secret is for a different hostname');
});
