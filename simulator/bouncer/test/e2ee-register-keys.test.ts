/** The E2EE key ring: rotation through the admin surface, persistence, restart, privacy (§6.1). */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers';
import { KEY_RING_FILE } from '../e2ee/key-ring';
import { apnsToken, deviceRows, e2eeRegisterForm, E2EE_REGISTER, fcmToken, registerE2ee, serverWithRealm } from './e2ee-app';
import { call, startTestBouncer, type TestBouncer } from './support';
import { tempDir } from '../../../harness/testing/temp-dir';

const keysOf = async (b: TestBouncer) => (await call(b, 'GET', '/__admin/e2ee/keys')).body as { current: string; keys: string[] };
const rotate = async (b: TestBouncer) => (await call(b, 'POST', '/__admin/e2ee/keys')).body.publicKey as string;
const removeKey = (b: TestBouncer, key: string) => call(b, 'DELETE', `/__admin/e2ee/keys/${encodeURIComponent(key)}`);

function keyFile(b: TestBouncer): string {
  return path.join(b.dataDir, 'bouncer', KEY_RING_FILE);
}

describe.each([11, 12] as const)('E2EE key ring (%i.x)', (profile) => {
  let bouncer: TestBouncer;
  afterEach(() => bouncer.stop());

  it('should keep registering with an older key after rotation, and refuse it once removed', async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile });
    const setup = await serverWithRealm(bouncer);
    const old = bouncer.e2eePublicKey;
    const fresh = await rotate(bouncer);
    expect(fresh).not.toBe(old);
    expect(bouncer.e2eePublicKey).toBe(fresh);
    expect(await keysOf(bouncer)).toEqual({ current: fresh, keys: [fresh, old] });

    expect((await registerE2ee(bouncer, setup, { token: apnsToken(), bouncer_public_key: old })).status).toBe(200);
    expect((await registerE2ee(bouncer, setup, { token: apnsToken(), bouncer_public_key: fresh })).status).toBe(200);

    expect((await removeKey(bouncer, old)).body).toEqual({ removed: old });
    const res = await registerE2ee(bouncer, setup, { token: apnsToken(), bouncer_public_key: old });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_BOUNCER_PUBLIC_KEY');
    expect((await keysOf(bouncer)).keys).toEqual([fresh]);
  });

  it('should refuse to remove an unknown key or the only key', async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile });
    expect((await removeKey(bouncer, Buffer.alloc(32).toString('base64'))).status).toBe(404);
    expect((await removeKey(bouncer, bouncer.e2eePublicKey)).status).toBe(409);
    expect((await keysOf(bouncer)).keys).toEqual([bouncer.e2eePublicKey]);
  });

  it('should persist the ring as a 0600 JSON dict of public → private keys', async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile });
    await rotate(bouncer);
    const file = keyFile(bouncer);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const ring = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(ring)).toEqual([...(await keysOf(bouncer)).keys].reverse());
    await sodium.ready;
    for (const [pub, priv] of Object.entries(ring)) {
      expect(Buffer.from(sodium.crypto_scalarmult_base(Buffer.from(priv, 'base64'))).toString('base64')).toBe(pub);
    }
  });

  it('should keep the current key and the device rows across a restart', async () => {
    const dataDir = tempDir('zpg-e2ee-');
    bouncer = await startTestBouncer({ e2eeProfile: profile, dataDir });
    const setup = await serverWithRealm(bouncer);
    const token = apnsToken();
    const first = await registerE2ee(bouncer, setup, { token, push_account_id: 5 });
    const current = bouncer.e2eePublicKey;
    const rows = deviceRows(bouncer, setup.realm.uuid);
    await bouncer.stop();

    bouncer = await startTestBouncer({ e2eeProfile: profile, dataDir });
    expect(bouncer.e2eePublicKey).toBe(current);
    expect(deviceRows(bouncer, setup.realm.uuid)).toEqual(rows);
    const again = await registerE2ee(bouncer, setup, { token, push_account_id: 5 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(deviceRows(bouncer, setup.realm.uuid)).toHaveLength(1);
  });

  it('should keep the ring in memory for a memory database', async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile, database: 'memory' });
    expect(fs.existsSync(keyFile(bouncer))).toBe(false);
    const setup = await serverWithRealm(bouncer);
    expect((await registerE2ee(bouncer, setup, { token: apnsToken() })).status).toBe(200);
    await rotate(bouncer);
    expect(fs.existsSync(keyFile(bouncer))).toBe(false);
  });

  it('should never write a private key or a registered token to the log', async () => {
    bouncer = await startTestBouncer({ e2eeProfile: profile });
    const setup = await serverWithRealm(bouncer);
    await rotate(bouncer);
    const tokens = [apnsToken(), fcmToken(), apnsToken(), apnsToken()];
    await registerE2ee(bouncer, setup, { token: tokens[0]! });
    await registerE2ee(bouncer, setup, { token: tokens[1]!, token_kind: 'fcm', ios_app_id: null });
    await registerE2ee(bouncer, setup, { token: tokens[2]!, token_kind: 'xyz' });
    await registerE2ee(bouncer, setup, { token: tokens[3]!, realm_uuid: crypto.randomUUID() });
    const stale = await e2eeRegisterForm(bouncer, setup, { token: tokens[0]! });
    bouncer.clock.advance(3 * 86_400_000);
    await call(bouncer, 'POST', E2EE_REGISTER, { form: stale, auth: setup.server });

    const privateKeys = Object.values(JSON.parse(fs.readFileSync(keyFile(bouncer), 'utf8')) as Record<string, string>);
    expect(privateKeys).toHaveLength(2);
    const raw = fs.readFileSync(bouncer.logFile, 'utf8');
    expect(raw).toContain('/api/v1/remotes/push/e2ee/register');
    for (const secret of [...privateKeys, ...tokens]) expect(raw).not.toContain(secret);
  });
});
