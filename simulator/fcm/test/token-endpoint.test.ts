/** POST /token: Google's JWT-bearer grant, its refusals word for word, and no secret in any sink. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { assertionFor, FCM_SCOPE, postToken, readServiceAccount, startTestFcm, type TestFcm } from './support';
import type { ServiceAccountJson } from '../index';

let fcm: TestFcm;
let sa: ServiceAccountJson;

beforeAll(async () => {
  fcm = await startTestFcm();
  sa = readServiceAccount(fcm.serviceAccountFile);
});
afterAll(() => fcm.stop());

const refusal = async (res: Response) => ({ status: res.status, body: await res.json() });
const invalidGrant = (error_description: string) => ({ status: 400, body: { error: 'invalid_grant', error_description } });
const BAD_TIME =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

it('should write a service account whose token_uri is the mock', () => {
  expect(sa).toMatchObject({ type: 'service_account', project_id: fcm.projectId, token_uri: fcm.tokenUri });
  expect(sa.client_email).toMatch(/^firebase-adminsdk-[a-z0-9]{5}@zulip-push-sim\.iam\.gserviceaccount\.com$/);
  expect(crypto.createPrivateKey(sa.private_key).asymmetricKeyDetails?.modulusLength).toBe(2048);
  expect(fs.statSync(fcm.serviceAccountFile).mode & 0o777).toBe(0o600);
  expect(fcm.serviceAccount).not.toHaveProperty('private_key');
});

it('should grant a one-hour Bearer token for a valid assertion', async () => {
  const res = await postToken(fcm, assertionFor(fcm, sa));
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toEqual({ access_token: expect.stringMatching(/^ya29\.[A-Za-z0-9_-]+$/), expires_in: 3599, token_type: 'Bearer' });
});

it.each([
  ["the mock's own token URL", () => fcm.tokenUri],
  ["the mock's TLS token URL", () => fcm.tlsTokenUri],
  ["Google's token URL (what firebase-admin hard-codes)", () => 'https://oauth2.googleapis.com/token'],
])('should accept %s as aud', async (_, aud) => {
  expect((await postToken(fcm, assertionFor(fcm, sa, { claims: { aud: aud() } }))).status).toBe(200);
});

it('should accept a header with typ and the right kid', async () => {
  const res = await postToken(fcm, assertionFor(fcm, sa, { header: { typ: 'JWT', kid: sa.private_key_id } }));
  expect(res.status).toBe(200);
});

it('should refuse a signature from another key', async () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const res = await postToken(fcm, assertionFor(fcm, sa, { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }));
  expect(await refusal(res)).toEqual(invalidGrant('Invalid JWT Signature.'));
});

it('should refuse an algorithm other than RS256', async () => {
  expect(await refusal(await postToken(fcm, assertionFor(fcm, sa, { header: { alg: 'none' } })))).toEqual(invalidGrant('Invalid JWT Signature.'));
});

it('should refuse the wrong audience', async () => {
  const res = await postToken(fcm, assertionFor(fcm, sa, { claims: { aud: 'https://example.com/token' } }));
  expect(await refusal(res)).toEqual(invalidGrant('Invalid JWT: Failed audience check. The right audience is https://oauth2.googleapis.com/token'));
});

it('should refuse an unknown issuer', async () => {
  const res = await postToken(fcm, assertionFor(fcm, sa, { claims: { iss: 'nobody@zulip-push-sim.iam.gserviceaccount.com' } }));
  expect(await refusal(res)).toEqual(invalidGrant('Invalid grant: account not found'));
});

it('should refuse an expired assertion, and one living longer than an hour', async () => {
  const now = Math.floor(fcm.clock.now() / 1000);
  const expired = assertionFor(fcm, sa, { claims: { iat: now - 7200, exp: now - 3600 } });
  expect(await refusal(await postToken(fcm, expired))).toEqual(invalidGrant(BAD_TIME));
  const tooLong = assertionFor(fcm, sa, { claims: { exp: now + 3601 } });
  expect(await refusal(await postToken(fcm, tooLong))).toEqual(invalidGrant(BAD_TIME));
});

it('should judge time by the injected clock', async () => {
  const assertion = assertionFor(fcm, sa);
  fcm.clock.advance(3600_000);
  expect(await refusal(await postToken(fcm, assertion))).toEqual(invalidGrant(BAD_TIME));
});

it('should refuse an assertion without a scope', async () => {
  const res = await postToken(fcm, assertionFor(fcm, sa, { claims: { scope: undefined } }));
  expect(await refusal(res)).toEqual({ status: 400, body: { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' } });
});

it('should refuse another grant type and a missing assertion', async () => {
  expect(await refusal(await postToken(fcm, assertionFor(fcm, sa), 'client_credentials'))).toEqual({
    status: 400,
    body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: client_credentials' },
  });
  expect(await refusal(await postToken(fcm, ''))).toEqual({
    status: 400,
    body: { error: 'invalid_request', error_description: 'Missing required parameter: assertion' },
  });
});

it('should keep assertions, access tokens and the private key out of the journal and the log', async () => {
  const assertion = assertionFor(fcm, sa, { claims: { scope: `${FCM_SCOPE} https://www.googleapis.com/auth/userinfo.email` } });
  const res = await postToken(fcm, assertion);
  const { access_token } = (await res.json()) as { access_token: string };
  const entry = fcm.journal.list().at(-1)!;
  expect(entry.request.body).toBe('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=[REDACTED]');
  expect(JSON.parse(entry.outcome.responseBody)).toEqual({ access_token: '[REDACTED]', expires_in: 3599, token_type: 'Bearer' });
  expect(entry.meta).toMatchObject({ endpoint: 'token', clientEmail: sa.client_email, assertion: { alg: 'RS256', signatureVerified: true } });
  const everything = fcm.journal.dump() + fs.readFileSync(fcm.logFile, 'utf8');
  for (const secret of [assertion, access_token, sa.private_key, JSON.stringify(sa.private_key).slice(1, -1)]) {
    expect(everything).not.toContain(secret);
  }
  expect(fcm.logLines().at(-1)).toMatchObject({ msg: `token 200 access token for ${sa.client_email}`, status: 200 });
});
