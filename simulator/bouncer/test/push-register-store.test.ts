/** LegacyDeviceStore on an in-memory database, and the shared push-token rules. */
import { TOKEN_KIND } from '../constants';
import { openDatabase, type Db } from '../store/db';
import { LegacyDeviceStore, type NewLegacyDevice } from '../store/legacy-devices';
import { RealmStore } from '../store/realms';
import { ServerStore } from '../store/servers';
import { isPythonHex, isValidApnsAppId, pushTokenProblem } from '../validation/push-token';

const NOW = 1_767_268_800;
const UUID = '0b8f5c1e-1d2a-4f3b-9c4d-5e6f7a8b9c0d';

let db: Db;
let store: LegacyDeviceStore;
let a: number;
let b: number;

beforeEach(() => {
  db = openDatabase(':memory:');
  const servers = new ServerStore(db);
  const mk = (n: number) =>
    servers.create({ uuid: `00000000-0000-4000-8000-00000000000${n}`, apiKey: 'k'.repeat(64), hostname: `h${n}.example.net`, contactEmail: 'a@b.c' }, NOW).id;
  a = mk(1);
  b = mk(2);
  store = new LegacyDeviceStore(db);
});
afterEach(() => db.close());

const device = (d: Partial<NewLegacyDevice>): NewLegacyDevice => ({
  serverId: a,
  kind: TOKEN_KIND.FCM,
  token: 'tok',
  iosAppId: null,
  userId: null,
  userUuid: null,
  remoteRealmId: null,
  ...d,
});

describe('LegacyDeviceStore', () => {
  it('should insert idempotently, per identity, APNs tokens case-insensitively', () => {
    expect(store.insert(device({ userId: 1 }), NOW)).toBe(true);
    expect(store.insert(device({ userId: 1, iosAppId: 'x' }), NOW)).toBe(false);
    expect(store.insert(device({ userUuid: UUID }), NOW)).toBe(true);
    expect(store.insert(device({ userId: 1, kind: TOKEN_KIND.APNS, token: 'abcd' }), NOW)).toBe(true);
    expect(store.insert(device({ userId: 1, kind: TOKEN_KIND.APNS, token: 'ABCD' }), NOW)).toBe(false);
    expect(store.insert(device({ userId: 1, token: 'TOK' }), NOW)).toBe(true);
    expect(store.insert(device({ serverId: b, userId: 1 }), NOW)).toBe(true);
  });

  it('should list a user’s rows of one kind by id, matching uuid OR id', () => {
    store.insert(device({ userId: 1, token: 't1' }), NOW);
    store.insert(device({ userUuid: UUID, token: 't2' }), NOW);
    store.insert(device({ userId: 2, token: 't3' }), NOW);
    store.insert(device({ userId: 1, kind: TOKEN_KIND.APNS, token: 'aa' }), NOW);
    store.insert(device({ serverId: b, userId: 1, token: 't4' }), NOW);
    const tokens = (identity: { userId?: number; userUuid?: string }, kind: number = TOKEN_KIND.FCM) =>
      store.listForUser(a, identity, kind).map((d) => d.token);
    expect(tokens({ userId: 1 })).toEqual(['t1']);
    expect(tokens({ userUuid: UUID })).toEqual(['t2']);
    expect(tokens({ userId: 1, userUuid: UUID })).toEqual(['t1', 't2']);
    expect(tokens({ userId: 1 }, TOKEN_KIND.APNS)).toEqual(['aa']);
    expect(store.listForUser(a, { userId: 1 }, TOKEN_KIND.FCM)[0]).toEqual({
      id: expect.any(Number) as number,
      serverId: a,
      remoteRealmId: null,
      userId: 1,
      userUuid: null,
      kind: TOKEN_KIND.FCM,
      token: 't1',
      iosAppId: null,
      lastUpdated: NOW,
    });
    expect(() => store.listForUser(a, {}, TOKEN_KIND.FCM)).toThrow('UserPushIdentityCompat');
  });

  it('should delete user_id duplicates of the given tokens only', () => {
    store.insert(device({ userId: 1, token: 'dup' }), NOW);
    store.insert(device({ userUuid: UUID, token: 'dup' }), NOW);
    store.insert(device({ userId: 1, token: 'keep' }), NOW);
    expect(store.deleteUserIdRows(a, 1, TOKEN_KIND.FCM, ['dup', 'absent'])).toBe(1);
    expect(store.listForUser(a, { userId: 1, userUuid: UUID }, TOKEN_KIND.FCM).map((d) => [d.userId, d.token])).toEqual([
      [null, 'dup'],
      [1, 'keep'],
    ]);
  });

  it('should delete a dead token on every server: FCM exactly, APNs case-insensitively', () => {
    store.insert(device({ userId: 1, token: 'f' }), NOW);
    store.insert(device({ serverId: b, userId: 9, token: 'f' }), NOW);
    store.insert(device({ userId: 1, token: 'F' }), NOW);
    store.insert(device({ userId: 1, kind: TOKEN_KIND.APNS, token: 'ab' }), NOW);
    store.insert(device({ serverId: b, userUuid: UUID, kind: TOKEN_KIND.APNS, token: 'AB' }), NOW);
    expect(store.deleteByToken(TOKEN_KIND.FCM, 'f')).toBe(2);
    expect(store.deleteByToken(TOKEN_KIND.APNS, 'aB')).toBe(2);
    expect(db.prepare('SELECT token FROM remote_push_device_token').pluck().all()).toEqual(['F']);
  });

  it('should link only the user’s rows that have no realm', () => {
    const realms = new RealmStore(db);
    const report = (uuid: string) => ({
      uuid,
      uuidOwnerSecret: 's',
      realmId: 2,
      host: 'r.example.net',
      name: 'R',
      orgType: 0,
      authenticationMethods: {},
      realmDeactivated: false,
      isSystemBotRealm: false,
      realmDateCreated: NOW,
    });
    const r1 = realms.create(a, report('11111111-1111-4111-8111-111111111111'), NOW).id;
    const r2 = realms.create(a, report('22222222-2222-4222-8222-222222222222'), NOW).id;
    store.insert(device({ userId: 1, token: 'a' }), NOW);
    store.insert(device({ userUuid: UUID, token: 'b', remoteRealmId: r1 }), NOW);
    store.insert(device({ userUuid: UUID, kind: TOKEN_KIND.APNS, token: 'cc' }), NOW);
    store.insert(device({ userId: 2, token: 'd' }), NOW);
    expect(store.setRemoteRealmForUser(a, { userId: 1, userUuid: UUID }, r2)).toBe(2);
    expect(db.prepare('SELECT token, remote_realm_id AS r FROM remote_push_device_token ORDER BY id').all()).toEqual([
      { token: 'a', r: r2 },
      { token: 'b', r: r1 },
      { token: 'cc', r: r2 },
      { token: 'd', r: null },
    ]);
  });
});

describe('push-token rules', () => {
  it.each([
    ['', true],
    ['00ff', true],
    ['00FFab', true],
    [' 00 ff\t\n\r\x0b\x0c', true],
    ['0', false],
    ['0 0', false],
    ['0g', false],
    ['00\u00a0ff', false],
    ['00\u3000ff', false],
    ['00\x1cff', false],
    ['٠٠', false],
  ])('isPythonHex(%j) = %s', (s, ok) => {
    expect(isPythonHex(s)).toBe(ok);
  });

  it('should report problems in Zulip’s order', () => {
    expect(pushTokenProblem('zz', 0)).toBe('invalid-kind');
    expect(pushTokenProblem('', 1)).toBe('invalid-length');
    expect(pushTokenProblem('a'.repeat(4097), 2)).toBe('invalid-length');
    expect(pushTokenProblem('zz', 1)).toBe('invalid-apns');
    expect(pushTokenProblem('zz', 2)).toBeNull();
    expect(pushTokenProblem('a'.repeat(4096), 1)).toBeNull();
  });

  it('should check ApnsAppId like pydantic', () => {
    expect(isValidApnsAppId('com.zulip.flutter')).toBe(true);
    expect(isValidApnsAppId('A-b.9')).toBe(true);
    for (const bad of ['', 'com zulip', "'; tables --", 'com.zulip\n', 'com_zulip', 'ç']) expect(isValidApnsAppId(bad)).toBe(false);
  });
});
