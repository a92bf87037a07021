/** Unit level: key ring loading, token_id codec, Python base64, PushRegistration parsing, device store. */
import fs from 'node:fs';
import path from 'node:path';
import sodium from 'libsodium-wrappers';
import { KEY_RING_FILE, KeyRing } from '../e2ee/key-ring';
import { parsePushRegistration, pythonB64decode } from '../e2ee/registration';
import { computeTokenId, decodeTokenId, encodeTokenId, tokenIdInt } from '../e2ee/token-id';
import { openDatabase } from '../store/db';
import { E2eeDeviceStore } from '../store/e2ee-devices';
import { tempDir } from '../../../harness/testing/temp-dir';

const recorder = () => {
  const secrets: string[] = [];
  return { secrets, add: (s: string) => void secrets.push(s) };
};

describe('KeyRing', () => {
  it('should register every private key with the redactor, at creation, on add and on reload', async () => {
    const dir = tempDir('zpg-ring-');
    const first = recorder();
    const ring = await KeyRing.load({ dir, redactor: first });
    ring.add();
    const stored = JSON.parse(fs.readFileSync(path.join(dir, KEY_RING_FILE), 'utf8')) as Record<string, string>;
    expect(first.secrets).toEqual(Object.values(stored));
    const second = recorder();
    const reloaded = await KeyRing.load({ dir, redactor: second });
    expect(second.secrets).toEqual(Object.values(stored));
    expect(reloaded.currentPublicKey()).toBe(ring.currentPublicKey());
  });

  it('should refuse a key file whose private key does not match its public key', async () => {
    await sodium.ready;
    const dir = tempDir('zpg-ring-');
    const a = sodium.crypto_box_keypair();
    const b = sodium.crypto_box_keypair();
    const priv = Buffer.from(b.privateKey).toString('base64');
    fs.writeFileSync(path.join(dir, KEY_RING_FILE), JSON.stringify({ [Buffer.from(a.publicKey).toString('base64')]: priv }));
    const err = await KeyRing.load({ dir, redactor: recorder() }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/does not match/);
    expect((err as Error).message).not.toContain(priv);
  });

  it('should refuse a key file that is not a JSON object', async () => {
    const dir = tempDir('zpg-ring-');
    fs.writeFileSync(path.join(dir, KEY_RING_FILE), '["x"]');
    await expect(KeyRing.load({ dir, redactor: recorder() })).rejects.toThrow(/JSON object/);
  });
});

describe('token_id codec', () => {
  it('should encode sha256(token)[0:8] as a signed big-endian int64', () => {
    const token = 'c0ffee';
    const id = computeTokenId(token);
    expect(id).toHaveLength(12);
    expect(decodeTokenId(id)).toBe(tokenIdInt(token));
    expect(encodeTokenId(tokenIdInt(token))).toBe(id);
    expect(encodeTokenId(-1n)).toBe('//////////8=');
    expect(decodeTokenId('//////////8=')).toBe(-1n);
    expect(decodeTokenId('gAAAAAAAAAA=')).toBe(-(2n ** 63n));
  });

  it('should refuse ids that are not strict base64 of 8 bytes', () => {
    for (const bad of ['192057', '//////////8', '////////////', 'AAAAAAAAAA==', 'hGsEWGmy yfI=', '']) {
      expect(decodeTokenId(bad)).toBeNull();
    }
  });
});

describe('pythonB64decode', () => {
  it("should follow CPython's non-strict a2b_base64", () => {
    expect(pythonB64decode('QUJD')?.toString()).toBe('ABC');
    expect(pythonB64decode('Q-U_J\nD')?.toString()).toBe('ABC');
    expect(pythonB64decode('QQ==garbage')?.toString()).toBe('A');
    expect(pythonB64decode('QQ')).toBeNull();
    expect(pythonB64decode('QUJDQ')).toBeNull();
    expect(pythonB64decode('é')).toBeNull();
  });
});

describe('parsePushRegistration', () => {
  const parse = (v: unknown) => parsePushRegistration(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
  const base = { token: 'c0ffee', token_kind: 'apns', ios_app_id: 'org.zulip.Zulip', timestamp: 1_767_268_800 };

  it('should accept the app shape and ignore extra keys', () => {
    expect(parse({ ...base, extra: 1 })).toEqual({
      token: 'c0ffee',
      tokenKind: 'apns',
      iosAppId: 'org.zulip.Zulip',
      timestamp: 1_767_268_800,
    });
  });

  it('should take the timestamp as a lax int', () => {
    expect(parse({ ...base, timestamp: 5.0 })?.timestamp).toBe(5);
    expect(parse({ ...base, timestamp: ' 42 ' })?.timestamp).toBe(42);
    expect(parse({ ...base, timestamp: 1.5 })).toBeNull();
    expect(parse({ ...base, timestamp: null })).toBeNull();
    expect(parse({ ...base, timestamp: 'soon' })).toBeNull();
  });

  it('should refuse ill-typed fields and a trailing newline in ios_app_id', () => {
    expect(parse({ ...base, token: 123 })).toBeNull();
    expect(parse({ ...base, token_kind: 1 })).toBeNull();
    expect(parse({ ...base, ios_app_id: 'org.zulip\n' })).toBeNull();
    expect(parse({ ...base, ios_app_id: 5 })).toBeNull();
    expect(parse('\ufeff' + JSON.stringify(base))).toBeNull();
  });
});

describe('E2eeDeviceStore', () => {
  function store() {
    const db = openDatabase(':memory:');
    db.prepare(
      `INSERT INTO remote_zulip_server (id, uuid, api_key, hostname, contact_email, last_updated)
       VALUES (1, 'u', 'k', 'h', 'e', 0)`,
    ).run();
    for (const id of [1, 2]) {
      db.prepare(
        `INSERT INTO remote_realm (id, server_id, uuid, uuid_owner_secret, realm_id, host, realm_date_created, last_updated)
         VALUES (?, 1, ?, 's', 2, 'h', 0, 0)`,
      ).run(id, `realm-${id}`);
    }
    return new E2eeDeviceStore(db);
  }
  const apns = (token: string) => ({ token, tokenKind: 'apns' as const, iosAppId: 'org.zulip.Zulip' });

  it('should find only non-expired devices of the realm by device_id', () => {
    const s = store();
    const a = s.registerByPushAccount(1, apns('aa'), 1n).device;
    const b = s.registerByPushAccount(1, apns('bb'), 1n).device;
    const other = s.registerByPushAccount(2, apns('cc'), 1n).device;
    s.expire(b.deviceId, 100);
    expect(s.activeByDeviceIds(1, [a.deviceId, b.deviceId, other.deviceId, 999]).map((d) => d.deviceId)).toEqual([
      a.deviceId,
    ]);
    expect(s.byId(b.deviceId)?.expiredTime).toBe(100);
    s.expire(b.deviceId, 200);
    expect(s.byId(b.deviceId)?.expiredTime).toBe(100);
  });

  it('should find devices by exact int64 token_id within the realm', () => {
    const s = store();
    const max = 2n ** 63n - 1n;
    const r1 = s.registerByTokenId(1, apns('aa'), max);
    expect(r1.created).toBe(true);
    expect(s.registerByTokenId(1, apns('aa'), max).created).toBe(false);
    s.registerByTokenId(2, apns('aa'), max);
    expect(s.activeByTokenIds(1, [max, max - 1n]).map((d) => [d.remoteRealmId, d.tokenId])).toEqual([[1, max]]);
    expect(s.activeByTokenIds(1, [max - 1n])).toEqual([]);
    expect(s.list()).toHaveLength(2);
    expect(s.forRealm(2)).toHaveLength(1);
  });
});
