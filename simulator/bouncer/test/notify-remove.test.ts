/**
 * push/notify with a remove event (§5.1; §15 case 11 test_send_notification_endpoint, case 13
 * test_send_notification_endpoint_sets_remote_realm_for_devices), end to end: real HTTP to the
 * bouncer, HTTP/2+TLS to the mock APNs and HTTPS to the mock FCM.
 */
import crypto from 'node:crypto';
import {
  addApnsPhone,
  addFcmPhone,
  apnsPayloadOf,
  deviceRows,
  fcmMessageOf,
  info,
  logMark,
  logSince,
  newUser,
  nextMidnight,
  notify,
  notifyBody,
  nowSeconds,
  pushCounts,
  realmRow,
  registerToken,
  removePayloads,
  serverRow,
  setUpServer,
  startNotifyStack,
  statusAndBody,
  success,
  VIEWS,
  type NotifyWorld,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const MANY_IDS = range(1, 249).join(',');
const KEPT_IDS = range(50, 249).join(',');

describe('push/notify with a remove event', () => {
  it('should deduplicate id-rows, truncate to the 200 newest ids and answer exactly like Zulip (case 11)', async () => {
    const server = await setUpServer(w, { humans: 10 });
    const hamlet = newUser({ fullName: 'King Hamlet' });
    // Two Android phones registered by user_id (an old server), then again by user_uuid (after
    // its upgrade): each token has an id-row and a newer uuid-row. One iPhone, by user_id only.
    const android = [await addFcmPhone(w, server, hamlet, { identity: 'id' }), await addFcmPhone(w, server, hamlet, { identity: 'id' })];
    for (const token of android) await registerToken(w, server, hamlet, 'fcm', token, { identity: 'uuid', withRealm: false });
    const iphone = await addApnsPhone(w, server, hamlet, { identity: 'id' });
    const uuidRowIds = deviceRows(w, server)
      .filter((d) => d.user_uuid !== null)
      .map((d) => d.id);

    w.clock.advance(7_000);
    const fcmSeq = w.fcm.journal.stats.lastSeq;
    const apnsSeq = w.apns.journal.stats.lastSeq;
    const mark = logMark(w);
    const res = await notify(w, server, {
      user_id: hamlet.id,
      user_uuid: hamlet.uuid,
      realm_uuid: server.realm.uuid,
      gcm_payload: { event: 'remove', zulip_message_ids: MANY_IDS },
      apns_payload: { badge: 0, custom: { zulip: { event: 'remove', zulip_message_ids: MANY_IDS } } },
      gcm_options: {},
    });

    expect(res.text).toBe(
      '{"result":"success","msg":"","total_android_devices":2,"total_apple_devices":1,' +
        '"deleted_devices":{"android_devices":[],"apple_devices":[]},"realm":{"can_push":true,"expected_end_timestamp":null}}',
    );
    expect(statusAndBody(res)).toEqual(
      success({
        total_android_devices: 2,
        total_apple_devices: 1,
        deleted_devices: { android_devices: [], apple_devices: [] },
        realm: { can_push: true, expected_end_timestamp: null },
      }),
    );

    const serverId = serverRow(w, server).id;
    expect(logSince(w, mark, [VIEWS])).toEqual([
      info(
        VIEWS,
        `Deduplicating push registrations for server id:${serverId} user id:${hamlet.id} uuid:${hamlet.uuid} ` +
          `and tokens:[${[...android].sort().map((t) => `'${t}'`).join(', ')}]`,
      ),
      info(
        VIEWS,
        `Sending mobile push notifications for remote user ${server.identity.uuid}:<id:${hamlet.id}><uuid:${hamlet.uuid}>: ` +
          '2 via FCM devices, 1 via APNs devices',
      ),
    ]);

    // Each phone got exactly one push, with the 200 newest ids.
    for (const token of android) {
      const entries = w.fcm.journal.list({ device: token, afterSeq: fcmSeq });
      expect(entries).toHaveLength(1);
      expect(entries[0]!.outcome.accepted).toBe(true);
      expect(fcmMessageOf(entries[0]!)).toEqual({
        token,
        data: { event: 'remove', zulip_message_ids: KEPT_IDS },
        // No priority option: a remove event goes out at normal priority.
        android: { priority: 'normal' },
      });
    }
    const apnsEntries = w.apns.journal.list({ device: iphone, afterSeq: apnsSeq });
    expect(apnsEntries).toHaveLength(1);
    expect(apnsPayloadOf(apnsEntries[0]!)).toEqual({ zulip: { event: 'remove', zulip_message_ids: KEPT_IDS }, aps: { badge: 0 } });

    // The uuid-rows were used and the id-rows deleted; the iPhone's id-row is untouched.
    const rows = deviceRows(w, server);
    expect(rows.map((d) => [d.kind, d.token, d.user_id, d.user_uuid])).toEqual([
      ...android.map((t) => [2, t, null, hamlet.uuid]),
      [1, iphone, hamlet.id, null],
    ]);
    expect(rows.filter((d) => d.kind === 2).map((d) => d.id)).toEqual(uuidRowIds);

    const now = nowSeconds(w);
    expect(realmRow(w, server)!.last_request_datetime).toBe(now);
    expect(serverRow(w, server).last_request_datetime).toBe(now);

    const day = nextMidnight(now);
    expect(pushCounts(w, server)).toEqual({
      installation: [
        { property: 'mobile_pushes_forwarded::day', subgroup: null, end_time: day, value: 3 },
        { property: 'mobile_pushes_received::day', subgroup: null, end_time: day, value: 3 },
      ],
      realm: [
        { property: 'mobile_pushes_forwarded::day', subgroup: null, end_time: day, value: 3, realm_id: null },
        { property: 'mobile_pushes_received::day', subgroup: null, end_time: day, value: 3, realm_id: null },
      ],
    });
  });

  it("should deliver a real server's remove event: no alert, normal priority, string data", async () => {
    const server = await setUpServer(w);
    const hamlet = newUser();
    const android = await addFcmPhone(w, server, hamlet);
    const iphone = await addApnsPhone(w, server, hamlet);
    const res = await notify(w, server, notifyBody(server, hamlet, removePayloads(server, hamlet, [12, 3, 7])));
    expect(res.body).toMatchObject({ total_android_devices: 1, total_apple_devices: 1 });

    expect(fcmMessageOf(await w.fcm.journal.next(android, { afterSeq: 0 }))).toEqual({
      token: android,
      data: {
        server: server.host,
        realm_id: '2',
        realm_uri: server.realm.url,
        realm_url: server.realm.url,
        realm_name: 'Zulip Dev',
        user_id: String(hamlet.id),
        event: 'remove',
        // truncate_payload re-sorts the ids whatever their number.
        zulip_message_ids: '3,7,12',
      },
      android: { priority: 'normal' },
    });
    expect(apnsPayloadOf(await w.apns.journal.next(iphone, { afterSeq: 0 }))).toEqual({
      zulip: { realm_uri: server.realm.url, realm_url: server.realm.url, realm_name: 'Zulip Dev', user_id: hamlet.id, event: 'remove', zulip_message_ids: '3,7,12' },
      aps: { badge: 0 },
    });
  });
});

describe('push/notify with realm_uuid (case 13)', () => {
  it("should set remote_realm on the user's registrations that lack it, and only theirs", async () => {
    const server = await setUpServer(w);
    const hamlet = newUser();
    const othello = newUser();
    await addFcmPhone(w, server, hamlet, { identity: 'both', withRealm: false });
    await addApnsPhone(w, server, hamlet, { identity: 'id' });
    await addFcmPhone(w, server, othello, { identity: 'both', withRealm: false });
    expect(deviceRows(w, server).map((d) => d.remote_realm_id)).toEqual([null, null, null]);

    const res = await notify(w, server, {
      user_id: hamlet.id,
      user_uuid: hamlet.uuid,
      realm_uuid: server.realm.uuid,
      gcm_payload: { event: 'remove', zulip_message_ids: '3' },
      apns_payload: { badge: 0, custom: { zulip: { event: 'remove', zulip_message_ids: '3' } } },
      gcm_options: { priority: 'normal' },
    });
    expect(res.status).toBe(200);

    const realmId = realmRow(w, server)!.id;
    expect(deviceRows(w, server).map((d) => [d.user_id ?? d.user_uuid, d.remote_realm_id])).toEqual([
      [hamlet.uuid, realmId],
      [hamlet.id, realmId],
      [othello.uuid, null],
    ]);
  });

  it('should send without a realm when realm_uuid is unknown: INFO line, realm null, rows unlinked', async () => {
    const server = await setUpServer(w);
    const hamlet = newUser();
    const phone = await addFcmPhone(w, server, hamlet, { withRealm: false });
    const unknown = crypto.randomUUID();
    const mark = logMark(w);
    const res = await notify(w, server, {
      user_id: hamlet.id,
      user_uuid: hamlet.uuid,
      realm_uuid: unknown,
      gcm_payload: { event: 'remove', zulip_message_ids: '3' },
      gcm_options: {},
    });
    expect(statusAndBody(res)).toEqual(
      success({
        total_android_devices: 1,
        total_apple_devices: 0,
        deleted_devices: { android_devices: [], apple_devices: [] },
        realm: null,
      }),
    );
    expect(logSince(w, mark, [VIEWS])[0]).toEqual(
      info(VIEWS, `/api/v1/remotes/push/notify: Received request for unknown realm ${unknown}, server ${serverRow(w, server).id}`),
    );
    expect((await w.fcm.journal.next(phone, { afterSeq: 0 })).outcome.accepted).toBe(true);
    expect(deviceRows(w, server)[0]!.remote_realm_id).toBeNull();
  });
});
