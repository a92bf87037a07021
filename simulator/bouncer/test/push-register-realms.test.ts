/**
 * realm_uuid on the legacy device endpoints (§4, get_remote_realm_helper; §15 case 14), and the
 * requests Zulip answers with a 500 that the simulator refuses with a 400.
 */
import crypto from 'node:crypto';
import { realmFixture, serverId, uploadRealms, type RealmFixture } from './analytics-fixtures';
import {
  devices,
  expectBadRequest,
  expectSuccess,
  fcmToken,
  post,
  PUSH_REGISTER,
  PUSH_UNREGISTER,
  PUSH_UNREGISTER_ALL,
} from './push-register-support';
import { registerServer, startTestBouncer, type ServerIdentity, type TestBouncer } from './support';

let bouncer: TestBouncer;
let owner: ServerIdentity;
let realm: RealmFixture;
beforeAll(async () => {
  bouncer = await startTestBouncer();
  owner = await registerServer(bouncer);
  realm = realmFixture();
  const res = await uploadRealms(bouncer, owner, [{ realm, auditId: 1 }]);
  if (res.status !== 200) throw new Error(`upload failed: ${res.text}`);
});
afterAll(() => bouncer.stop());

const MISMATCH =
  'Your organization is registered to a different Zulip server. Please contact Zulip support for assistance in resolving this issue.';

/** zilencer.views lines logged since `mark` (a count of lines), as [level, msg]. */
function viewLogsSince(mark: number): [number, string][] {
  return bouncer
    .logLines()
    .slice(mark)
    .filter((l) => l.logger === 'zilencer.views')
    .map((l) => [l.level, l.msg]);
}

const realmRow = (uuid: string) =>
  bouncer.query<{ id: number; last_request_datetime: number | null }>(
    'SELECT id, last_request_datetime FROM remote_realm WHERE uuid = ?',
    uuid,
  )[0]!;

describe('realm_uuid on push/register (case 14)', () => {
  it('should refuse a realm registered to another server: 403, WARNING, no row', async () => {
    const other = await registerServer(bouncer);
    const mark = bouncer.logLines().length;
    const res = await post(bouncer, other, PUSH_REGISTER, {
      user_id: '10',
      user_uuid: crypto.randomUUID(),
      realm_uuid: realm.uuid,
      token: fcmToken(),
      token_kind: '2',
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ result: 'error', msg: MISMATCH, code: 'REMOTE_REALM_SERVER_MISMATCH_ERROR' });
    expect(viewLogsSince(mark)).toEqual([
      [40, `/api/v1/remotes/push/register: Realm ${realm.uuid} exists, but not registered to server ${serverId(bouncer, other)}`],
    ]);
    expect(devices(bouncer, other)).toEqual([]);
  });

  it('should register without a realm when the realm is unknown, logging INFO', async () => {
    const s = await registerServer(bouncer);
    const unknown = crypto.randomUUID();
    const mark = bouncer.logLines().length;
    const res = await post(bouncer, s, PUSH_REGISTER, {
      user_id: '10',
      user_uuid: crypto.randomUUID(),
      realm_uuid: unknown,
      token: fcmToken(),
      token_kind: '2',
      server_uuid: s.uuid,
    });
    expectSuccess(res, { ignored_parameters_unsupported: ['server_uuid'] });
    expect(viewLogsSince(mark)).toEqual([
      [30, `/api/v1/remotes/push/register: Received request for unknown realm ${unknown}, server ${serverId(bouncer, s)}`],
    ]);
    expect(devices(bouncer, s).map((d) => [d.user_id, d.remote_realm_id])).toEqual([[null, null]]);
  });

  it('should link the registration to the server’s own realm and bump the realm’s last request time', async () => {
    bouncer.clock.advance(3_600_000);
    const uuid = crypto.randomUUID();
    const mark = bouncer.logLines().length;
    expectSuccess(
      await post(bouncer, owner, PUSH_REGISTER, { user_id: '3', user_uuid: uuid, realm_uuid: realm.uuid, token: fcmToken(), token_kind: '2' }),
    );
    expect(viewLogsSince(mark)).toEqual([]);
    const row = realmRow(realm.uuid);
    expect(row.last_request_datetime).toBe(bouncer.clock.now() / 1000);
    expect(devices(bouncer, owner).filter((d) => d.user_uuid === uuid).map((d) => d.remote_realm_id)).toEqual([row.id]);
  });

  it('should (like Zulip) have dropped the id row before refusing the realm of another server', async () => {
    const other = await registerServer(bouncer);
    const token = fcmToken();
    expectSuccess(await post(bouncer, other, PUSH_REGISTER, { user_id: '10', token, token_kind: '2' }));
    const res = await post(bouncer, other, PUSH_REGISTER, {
      user_id: '10',
      user_uuid: crypto.randomUUID(),
      realm_uuid: realm.uuid,
      token,
      token_kind: '2',
    });
    expect(res.status).toBe(403);
    expect(devices(bouncer, other)).toEqual([]);
  });
});

describe('realm_uuid on push/unregister and push/unregister/all', () => {
  it('should bump the realm on unregister and unregister/all', async () => {
    const uuid = crypto.randomUUID();
    const token = fcmToken();
    expectSuccess(await post(bouncer, owner, PUSH_REGISTER, { user_uuid: uuid, token, token_kind: '2' }));
    bouncer.clock.advance(60_000);
    expectSuccess(await post(bouncer, owner, PUSH_UNREGISTER, { token, token_kind: '2', user_uuid: uuid, realm_uuid: realm.uuid }));
    expect(realmRow(realm.uuid).last_request_datetime).toBe(bouncer.clock.now() / 1000);
    bouncer.clock.advance(60_000);
    expectSuccess(await post(bouncer, owner, PUSH_UNREGISTER_ALL, { user_uuid: uuid, realm_uuid: realm.uuid }));
    expect(realmRow(realm.uuid).last_request_datetime).toBe(bouncer.clock.now() / 1000);
  });

  it('should refuse another server’s realm on unregister before deleting anything', async () => {
    const other = await registerServer(bouncer);
    const uuid = crypto.randomUUID();
    const token = fcmToken();
    expectSuccess(await post(bouncer, other, PUSH_REGISTER, { user_uuid: uuid, token, token_kind: '2' }));
    const mark = bouncer.logLines().length;
    const res = await post(bouncer, other, PUSH_UNREGISTER, { token, token_kind: '2', user_uuid: uuid, realm_uuid: realm.uuid });
    expect(res.status).toBe(403);
    expect(viewLogsSince(mark)).toEqual([
      [40, `/api/v1/remotes/push/unregister: Realm ${realm.uuid} exists, but not registered to server ${serverId(bouncer, other)}`],
    ]);
    const all = await post(bouncer, other, PUSH_UNREGISTER_ALL, { user_uuid: uuid, realm_uuid: realm.uuid });
    expect(all.status).toBe(403);
    expect(devices(bouncer, other)).toHaveLength(1);
  });

  it('should log the unknown realm with the unregister path and go on', async () => {
    const s = await registerServer(bouncer);
    const uuid = crypto.randomUUID();
    const unknown = crypto.randomUUID();
    const mark = bouncer.logLines().length;
    expectSuccess(await post(bouncer, s, PUSH_UNREGISTER_ALL, { user_uuid: uuid, realm_uuid: unknown }));
    expect(viewLogsSince(mark)).toEqual([
      [30, `/api/v1/remotes/push/unregister/all: Received request for unknown realm ${unknown}, server ${serverId(bouncer, s)}`],
    ]);
  });
});

describe('requests Zulip answers with a 500 get a 400', () => {
  it('should refuse realm_uuid without user_uuid', async () => {
    const s = await registerServer(bouncer);
    const form = { user_id: '10', realm_uuid: realm.uuid };
    for (const res of [
      await post(bouncer, s, PUSH_REGISTER, { ...form, token: fcmToken(), token_kind: '2' }),
      await post(bouncer, s, PUSH_UNREGISTER, { ...form, token: fcmToken(), token_kind: '2' }),
      await post(bouncer, s, PUSH_UNREGISTER_ALL, form),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        result: 'error',
        msg: "Missing 'user_uuid' argument",
        code: 'REQUEST_VARIABLE_MISSING',
        var_name: 'user_uuid',
      });
    }
    expect(devices(bouncer, s)).toEqual([]);
  });

  it('should refuse unregister and unregister/all without an identity', async () => {
    const s = await registerServer(bouncer);
    expectBadRequest(await post(bouncer, s, PUSH_UNREGISTER, { token: fcmToken(), token_kind: '2' }), 'Missing user_id or user_uuid');
    expectBadRequest(await post(bouncer, s, PUSH_UNREGISTER_ALL, {}), 'Missing user_id or user_uuid');
    expectBadRequest(await post(bouncer, s, PUSH_UNREGISTER_ALL, { realm_uuid: realm.uuid }), 'Missing user_id or user_uuid');
  });

  it('should refuse malformed user_uuid and realm_uuid, with no effect and no realm log', async () => {
    const s = await registerServer(bouncer);
    const token = fcmToken();
    expectSuccess(await post(bouncer, s, PUSH_REGISTER, { user_id: '10', token, token_kind: '2' }));
    const mark = bouncer.logLines().length;
    const badUser = { user_id: '10', user_uuid: 'not-a-uuid', token, token_kind: '2' };
    expectBadRequest(await post(bouncer, s, PUSH_REGISTER, badUser), 'Invalid user_uuid: Input should be a valid UUID');
    expectBadRequest(await post(bouncer, s, PUSH_UNREGISTER, badUser), 'Invalid user_uuid: Input should be a valid UUID');
    expectBadRequest(await post(bouncer, s, PUSH_UNREGISTER_ALL, { user_uuid: '' }), 'Invalid user_uuid: Input should be a valid UUID');
    const badRealm = { user_id: '10', user_uuid: crypto.randomUUID(), realm_uuid: 'zulip', token, token_kind: '2' };
    expectBadRequest(await post(bouncer, s, PUSH_REGISTER, badRealm), 'Invalid realm_uuid: Input should be a valid UUID');
    expectBadRequest(await post(bouncer, s, PUSH_UNREGISTER, badRealm), 'Invalid realm_uuid: Input should be a valid UUID');
    expect(viewLogsSince(mark)).toEqual([]);
    expect(devices(bouncer, s).map((d) => [d.user_id, d.token])).toEqual([[10, token]]);
  });
});
