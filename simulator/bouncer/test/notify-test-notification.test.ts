/**
 * push/test_notification (§5.2; §15 case 15 SendTestPushNotificationEndpointTest): the bouncer
 * formats the test notification itself and sends it to the one device named.
 */
import {
  addApnsPhone,
  addFcmPhone,
  apnsPayloadOf,
  error,
  fcmMessageOf,
  identityOf,
  info,
  logMark,
  logSince,
  newUser,
  nowSeconds,
  PUSH,
  realmRow,
  setUpServer,
  startNotifyStack,
  statusAndBody,
  success,
  testNotification,
  testNotificationBody,
  unknownApnsToken,
  type NotifyWorld,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

describe('push/test_notification (case 15)', () => {
  it('should refuse a token the bouncer does not know for this user, sending nothing', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addFcmPhone(w, server, user);
    const [fcmSeq, apnsSeq, mark] = [w.fcm.journal.stats.lastSeq, w.apns.journal.stats.lastSeq, logMark(w)];
    const notRecognized = error(400, 'INVALID_REMOTE_PUSH_DEVICE_TOKEN', 'Device not recognized by the push bouncer');

    expect(statusAndBody(await testNotification(w, server, testNotificationBody(server, user, 'apns', unknownApnsToken())))).toEqual(notRecognized);
    // Known token, wrong kind; known token, another user.
    expect(statusAndBody(await testNotification(w, server, testNotificationBody(server, user, 'apns', phone)))).toEqual(notRecognized);
    expect(statusAndBody(await testNotification(w, server, testNotificationBody(server, newUser(), 'fcm', phone)))).toEqual(notRecognized);
    // Another server's device.
    const other = await setUpServer(w);
    expect(statusAndBody(await testNotification(w, other, testNotificationBody(other, user, 'fcm', phone)))).toEqual(notRecognized);

    expect(w.fcm.journal.list({ afterSeq: fcmSeq })).toEqual([]);
    expect(w.apns.journal.list({ afterSeq: apnsSeq })).toEqual([]);
    expect(logSince(w, mark)).toEqual([]);
  });

  it('should send the FCM test payload at high priority and bump the realm', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addFcmPhone(w, server, user);
    w.clock.advance(42_000);
    const mark = logMark(w);

    const res = await testNotification(w, server, testNotificationBody(server, user, 'fcm', phone));
    expect(res.text).toBe('{"result":"success","msg":""}');

    const entry = await w.fcm.journal.next(phone, { afterSeq: 0 });
    expect(fcmMessageOf(entry)).toEqual({
      token: phone,
      data: {
        server: server.host,
        realm_id: '2',
        realm_uri: server.realm.url,
        realm_url: server.realm.url,
        realm_name: 'Zulip Dev',
        user_id: String(user.id),
        event: 'test',
        time: String(nowSeconds(w)),
      },
      android: { priority: 'high' },
    });
    const who = `${server.identity.uuid}:${identityOf(user)}`;
    expect(logSince(w, mark)).toEqual([
      info(PUSH, `FCM: Sending notification for remote user ${who} to 1 devices`),
      info(PUSH, `FCM: Sent message with ID: ${entry.id} to ${phone}`),
    ]);
    expect(realmRow(w, server)!.last_request_datetime).toBe(nowSeconds(w));
  });

  it('should send the APNs test alert naming the realm, for the token in any casing', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addApnsPhone(w, server, user);
    const mark = logMark(w);

    const res = await testNotification(w, server, testNotificationBody(server, user, 'apns', phone.toUpperCase()));
    expect(statusAndBody(res)).toEqual(success());

    const entry = await w.apns.journal.next(phone, { afterSeq: 0 });
    expect(entry.request.headers['apns-topic']).toBe('org.zulip.Zulip');
    expect(apnsPayloadOf(entry)).toEqual({
      zulip: {
        server: server.host,
        realm_id: 2,
        realm_uri: server.realm.url,
        realm_url: server.realm.url,
        realm_name: 'Zulip Dev',
        user_id: user.id,
        event: 'test',
      },
      aps: {
        alert: { title: 'Test notification', body: `This is a test notification from Zulip Dev (${server.realm.url}).` },
        sound: 'default',
      },
    });
    expect(logSince(w, mark)).toEqual([
      info(PUSH, `APNs: Sending notification for remote user ${server.identity.uuid}:${identityOf(user)} to 1 devices (skipped 0 duplicates)`),
      info(PUSH, `APNs: Success sending for user ${identityOf(user)} to device ${phone}`),
    ]);
  });

  it('should fall back to realm_uri for an older server without realm_url', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addApnsPhone(w, server, user);
    const body = testNotificationBody(server, user, 'apns', phone);
    const { realm_url: _url, ...base } = body.base_payload as Record<string, unknown>;
    expect((await testNotification(w, server, { ...body, base_payload: base })).status).toBe(200);
    const aps = apnsPayloadOf(await w.apns.journal.next(phone, { afterSeq: 0 })).aps as { alert: { body: string } };
    expect(aps.alert.body).toBe(`This is a test notification from Zulip Dev (${server.realm.url}).`);
  });

  it('should refuse keys the model does not know (extra="forbid") and a missing field', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const phone = await addFcmPhone(w, server, user);
    const seq = w.fcm.journal.stats.lastSeq;
    const body = testNotificationBody(server, user, 'fcm', phone);

    expect(statusAndBody(await testNotification(w, server, { ...body, priority: 'high' }))).toEqual(
      error(400, 'BAD_REQUEST', 'Argument "priority" at payload["priority"] is unexpected'),
    );
    const { user_uuid: _uuid, ...noUuid } = body;
    const missing = await testNotification(w, server, noUuid);
    expect(statusAndBody(missing)).toEqual({
      status: 400,
      body: { result: 'error', msg: "Missing 'user_uuid' argument", code: 'REQUEST_VARIABLE_MISSING', var_name: 'user_uuid' },
    });
    expect(statusAndBody(await testNotification(w, server, { ...body, token_kind: '2' }))).toEqual(
      error(400, 'BAD_REQUEST', 'payload["token_kind"] is not an integer'),
    );
    expect(w.fcm.journal.list({ afterSeq: seq })).toEqual([]);
  });
});
