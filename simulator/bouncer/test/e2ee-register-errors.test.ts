/** push/e2ee/register refusals, both profiles, in §6.2's order (§15 case 20 `_error`). */
import { serverId } from './analytics-fixtures';
import {
  apnsToken,
  deviceRows,
  E2EE_REGISTER,
  e2eeRegisterForm,
  fcmToken,
  invalidRegistration,
  registerE2ee,
  sealBytes,
  serverWithRealm,
  type E2eeSetup,
  type RegisterArgs,
} from './e2ee-app';
import { call, logMessages, startTestBouncer, type TestBouncer } from './support';

const DAY_MS = 86_400_000;

describe.each([11, 12] as const)('push/e2ee/register errors (%i.x)', (profile) => {
  let bouncer: TestBouncer;
  let setup: E2eeSetup;
  beforeAll(async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile });
    setup = await serverWithRealm(bouncer);
  });
  afterAll(() => bouncer.stop());

  const rowsFor = (token: string) => deviceRows(bouncer, setup.realm.uuid).filter((r) => r.token === token);

  it('should refuse an unknown realm with 403 MISSING_REMOTE_REALM and log it at INFO', async () => {
    const realmUuid = crypto.randomUUID();
    const res = await registerE2ee(bouncer, setup, { token: apnsToken(), realm_uuid: realmUuid });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ result: 'error', msg: 'Organization not registered', code: 'MISSING_REMOTE_REALM' });
    const line = bouncer
      .logLines()
      .find((l) => l.logger === 'zilencer.views' && l.msg.includes(realmUuid));
    expect(line).toMatchObject({
      level: 30,
      msg: `/api/v1/remotes/push/e2ee/register: Received request for unknown realm ${realmUuid}, server ${serverId(bouncer, setup.server)}`,
    });
  });

  it("should refuse another server's realm with 403 REMOTE_REALM_SERVER_MISMATCH_ERROR", async () => {
    const other = await serverWithRealm(bouncer);
    const res = await registerE2ee(bouncer, setup, { token: apnsToken(), realm_uuid: other.realm.uuid });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('REMOTE_REALM_SERVER_MISMATCH_ERROR');
    expect(logMessages(bouncer, 'zilencer.views')).toContain(
      `/api/v1/remotes/push/e2ee/register: Realm ${other.realm.uuid} exists, but not registered to server ${serverId(bouncer, setup.server)}`,
    );
  });

  it('should check the realm before the key', async () => {
    const res = await registerE2ee(bouncer, setup, {
      token: apnsToken(),
      realm_uuid: crypto.randomUUID(),
      bouncer_public_key: 'invalid public key',
    });
    expect(res.body.code).toBe('MISSING_REMOTE_REALM');
  });

  it('should refuse an unknown bouncer_public_key with 400 INVALID_BOUNCER_PUBLIC_KEY', async () => {
    for (const key of ['invalid public key', Buffer.alloc(32, 7).toString('base64'), bouncer.e2eePublicKey.replace(/=$/, '')]) {
      const res = await registerE2ee(bouncer, setup, { token: apnsToken(), bouncer_public_key: key });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ result: 'error', msg: 'Invalid bouncer_public_key', code: 'INVALID_BOUNCER_PUBLIC_KEY' });
    }
  });

  it('should check the key before decrypting', async () => {
    const res = await registerE2ee(bouncer, setup, {
      token: apnsToken(),
      bouncer_public_key: 'invalid public key',
      encrypted_push_registration: 'random-string-no-encryption',
    });
    expect(res.body.code).toBe('INVALID_BOUNCER_PUBLIC_KEY');
  });

  it('should refuse a registration stamped 2 days ago with 400 REQUEST_EXPIRED', async () => {
    const token = apnsToken();
    const form = await e2eeRegisterForm(bouncer, setup, { token });
    bouncer.clock.advance(2 * DAY_MS);
    const res = await call(bouncer, 'POST', E2EE_REGISTER, { form, auth: setup.server });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: 'Request expired', code: 'REQUEST_EXPIRED' });
    expect(rowsFor(token)).toEqual([]);
  });

  it('should accept a timestamp exactly 24 h old or in the future, and refuse one second older', async () => {
    const now = Math.floor(bouncer.clock.now() / 1000);
    expect((await registerE2ee(bouncer, setup, { token: apnsToken(), timestamp: now - 86_400 })).status).toBe(200);
    expect((await registerE2ee(bouncer, setup, { token: apnsToken(), timestamp: now + 3_600 })).status).toBe(200);
    expect((await registerE2ee(bouncer, setup, { token: apnsToken(), timestamp: now - 86_401 })).body.code).toBe(
      'REQUEST_EXPIRED',
    );
  });

  it('should validate the plaintext before checking liveness', async () => {
    const now = Math.floor(bouncer.clock.now() / 1000);
    const res = await registerE2ee(bouncer, setup, { token: apnsToken(), token_kind: 'xyz', timestamp: now - 3 * 86_400 });
    expect(res.body).toEqual(invalidRegistration);
  });

  const invalid: [string, () => RegisterArgs | Promise<RegisterArgs>][] = [
    ['garbage ciphertext', () => ({ token: apnsToken(), encrypted_push_registration: 'random-string-no-encryption' })],
    ['text that is not base64', () => ({ token: apnsToken(), encrypted_push_registration: 'abc' })],
    ['non-ASCII text', () => ({ token: apnsToken(), encrypted_push_registration: 'é'.repeat(80) })],
    ['an empty ciphertext', () => ({ token: apnsToken(), encrypted_push_registration: '' })],
    ['a badly formatted ios_app_id', () => ({ token: apnsToken(), ios_app_id: '* -- +' })],
    ['token_kind xyz', () => ({ token: apnsToken(), token_kind: 'xyz' })],
    ['APNs without ios_app_id', () => ({ token: apnsToken(), token_kind: 'apns', ios_app_id: null })],
    ['FCM with an ios_app_id', () => ({ token: fcmToken(), token_kind: 'fcm', ios_app_id: 'not-null' })],
    ['an empty token', () => ({ token: '', token_id: 'hGsEWGmyyfI=' })],
    ['a token over 4096 characters', () => ({ token: 'f'.repeat(4098), token_kind: 'fcm', ios_app_id: null })],
    ['a non-hex APNs token', () => ({ token: 'xyz non-hex characters' })],
    ['an odd-length APNs token', () => ({ token: 'abc' })],
    ['a non-integer timestamp', () => ({ token: apnsToken(), timestamp: 1.5 })],
    ['a missing timestamp', () => ({ token: apnsToken(), timestamp: undefined })],
    ['a sealed box of non-JSON', async () => ({ token: apnsToken(), encrypted_push_registration: await sealBytes(bouncer.e2eePublicKey, Buffer.from('not json')) })],
    ['a sealed box of a JSON array', async () => ({ token: apnsToken(), encrypted_push_registration: await sealBytes(bouncer.e2eePublicKey, Buffer.from('[1]')) })],
    ['a sealed box of invalid UTF-8', async () => ({ token: apnsToken(), encrypted_push_registration: await sealBytes(bouncer.e2eePublicKey, Buffer.from([0x7b, 0xff, 0x7d])) })],
  ];

  it.each(invalid)('should refuse %s as an invalid registration', async (_label, args) => {
    const a = await args();
    const res = await registerE2ee(bouncer, setup, a);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalidRegistration);
    expect(rowsFor(a.token)).toEqual([]);
  });

  it('should accept a hex APNs token with spaces between byte pairs (bytes.fromhex)', async () => {
    expect((await registerE2ee(bouncer, setup, { token: 'ab cd ef' })).status).toBe(200);
  });
});
