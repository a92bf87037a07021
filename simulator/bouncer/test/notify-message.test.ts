/**
 * push/notify with message events (§5.1, §7.1, §7.2): what the phones receive through the mock
 * FCM and the mock APNs, and the provider log lines of Zulip's send_android_push_notification /
 * send_apple_push_notification.
 */
import {
  addApnsPhone,
  addFcmPhone,
  apnsPayloadOf,
  fcmMessageOf,
  FLUTTER_IOS_APP,
  identityOf,
  info,
  logMark,
  logSince,
  messagePayloads,
  newUser,
  notify,
  notifyBody,
  nowSeconds,
  PUSH,
  setUpServer,
  startNotifyStack,
  statusAndBody,
  success,
  VIEWS,
  ZULIP_IOS_APP,
  type NotifyWorld,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

describe('push/notify with a message event', () => {
  it('should deliver FCM data as Python str() values and the APNs payload with aps, logging each send', async () => {
    const server = await setUpServer(w);
    const othello = newUser({ fullName: 'Othello, the Moor of Venice' });
    const hamlet = newUser({ fullName: 'King Hamlet', email: 'hamlet@zulip.example.net' });
    const android = await addFcmPhone(w, server, othello);
    const iphone = await addApnsPhone(w, server, othello, { topic: FLUTTER_IOS_APP });

    w.clock.advance(90_000);
    const now = nowSeconds(w);
    const payloads = messagePayloads(server, othello, { sender: hamlet, content: 'To be, or not to be', messageId: 4242, time: now - 3 });
    // Values a newer or older server might send that are not strings.
    Object.assign(payloads.gcm_payload, { content_truncated: false, is_mention: true, mentioned_user_group_id: null, ratio: 0.5, ids: [1, 'two'], extra: { a: 1 } });
    const mark = logMark(w);
    const res = await notify(w, server, notifyBody(server, othello, payloads, { androidDevices: [android], appleDevices: [iphone] }));
    expect(statusAndBody(res)).toEqual(
      success({
        total_android_devices: 1,
        total_apple_devices: 1,
        deleted_devices: { android_devices: [], apple_devices: [] },
        realm: { can_push: true, expected_end_timestamp: null },
      }),
    );

    const fcmEntry = await w.fcm.journal.next(android, { afterSeq: 0 });
    expect(fcmMessageOf(fcmEntry)).toEqual({
      token: android,
      data: {
        server: server.host,
        realm_id: '2',
        realm_uri: server.realm.url,
        realm_url: server.realm.url,
        realm_name: 'Zulip Dev',
        user_id: String(othello.id),
        sender_id: String(hamlet.id),
        sender_email: 'hamlet@zulip.example.net',
        recipient_type: 'private',
        event: 'message',
        zulip_message_id: '4242',
        time: String(now - 3),
        content: 'To be, or not to be',
        sender_full_name: 'King Hamlet',
        sender_avatar_url: `${server.realm.url}/avatar/${hamlet.id}`,
        content_truncated: 'False',
        is_mention: 'True',
        mentioned_user_group_id: 'None',
        ratio: '0.5',
        ids: "[1, 'two']",
        extra: "{'a': 1}",
      },
      android: { priority: 'high' },
    });
    expect(fcmEntry.notification).toMatchObject({ priority: 'high', notification: null });

    const apnsEntry = await w.apns.journal.next(iphone, { afterSeq: 0 });
    expect(apnsEntry.scope).toBe(FLUTTER_IOS_APP);
    expect(apnsEntry.request.headers).toMatchObject({ 'apns-topic': FLUTTER_IOS_APP, 'apns-expiration': String(now + 86_400) });
    expect(apnsEntry.request.headers['apns-push-type']).toBeUndefined();
    expect(apnsEntry.request.headers['apns-priority']).toBeUndefined();
    expect(apnsPayloadOf(apnsEntry)).toEqual({
      zulip: {
        realm_uri: server.realm.url,
        realm_url: server.realm.url,
        realm_name: 'Zulip Dev',
        user_id: othello.id,
        sender_id: hamlet.id,
        sender_email: 'hamlet@zulip.example.net',
        recipient_type: 'private',
        message_ids: [4242],
      },
      aps: { alert: { title: 'King Hamlet', subtitle: '', body: 'To be, or not to be' }, sound: 'default', badge: 0 },
    });

    const who = `${server.identity.uuid}:${identityOf(othello)}`;
    expect(logSince(w, mark)).toEqual([
      info(VIEWS, `Sending mobile push notifications for remote user ${who}: 1 via FCM devices, 1 via APNs devices`),
      info(PUSH, `FCM: Sending notification for remote user ${who} to 1 devices`),
      info(PUSH, `FCM: Sent message with ID: ${fcmEntry.id} to ${android}`),
      info(PUSH, `APNs: Sending notification for remote user ${who} to 1 devices (skipped 0 duplicates)`),
      info(PUSH, `APNs: Success sending for user ${identityOf(othello)} to device ${iphone}`),
    ]);
    expect(fcmEntry.id).toMatch(/^projects\/zulip-push-sim\/messages\/0:\d+%[0-9a-f]{16}$/);
  });

  it('should take the FCM priority from gcm_options, else high for messages', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const sender = newUser();
    const android = await addFcmPhone(w, server, user);
    const channel = { name: 'Denmark', id: 10, topic: 'castle' };

    const sent = async (options: Record<string, unknown>) => {
      const seq = w.fcm.journal.stats.lastSeq;
      const payloads = { ...messagePayloads(server, user, { sender, content: 'hi', messageId: 7, time: 1, stream: channel }), gcm_options: options };
      expect((await notify(w, server, notifyBody(server, user, payloads))).status).toBe(200);
      return fcmMessageOf(await w.fcm.journal.next(android, { afterSeq: seq }));
    };
    expect((await sent({ priority: 'normal' })).android).toEqual({ priority: 'normal' });
    expect((await sent({})).android).toEqual({ priority: 'high' });
    const message = await sent({ priority: 'high' });
    expect(message.android).toEqual({ priority: 'high' });
    expect(message.data).toMatchObject({ recipient_type: 'stream', stream: 'Denmark', stream_id: '10', topic: 'castle' });
  });

  it("should push each of the user's devices once and no one else's, not even the same user id's on another server", async () => {
    const one = await setUpServer(w);
    const two = await setUpServer(w);
    const user = newUser();
    const phones = [await addApnsPhone(w, one, user), await addApnsPhone(w, one, user, { topic: FLUTTER_IOS_APP })];
    // The same user id on another server is another person: not notified.
    const stranger = await addApnsPhone(w, two, { ...newUser(), id: user.id });
    const seq = w.apns.journal.stats.lastSeq;

    const payloads = messagePayloads(one, user, { sender: newUser(), content: 'x', messageId: 1, time: 1 });
    const res = await notify(w, one, notifyBody(one, user, payloads));
    expect(res.body).toMatchObject({ total_android_devices: 0, total_apple_devices: 2 });
    for (const [phone, topic] of [
      [phones[0]!, ZULIP_IOS_APP],
      [phones[1]!, FLUTTER_IOS_APP],
    ] as const) {
      expect((await w.apns.journal.next(phone, { afterSeq: seq })).scope).toBe(topic);
    }
    expect(w.apns.journal.list({ device: stranger })).toEqual([]);
  });
});
