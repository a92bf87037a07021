/**
 * push/e2ee/notify, success (§6.3, §7.3, §15 TE2 test_success_self_hosted): one APNs and one
 * FCM request go through the bouncer to the mocks over real HTTP/2+TLS / HTTPS, exactly as the
 * server shaped them; counts, log lines and the realm's counters follow.
 */
import {
  apsFor,
  decryptFor,
  encryptFor,
  INFO,
  keyIdKey,
  logContext,
  mark,
  messagePlaintext,
  newOrg,
  notify,
  pushLogSince,
  pushRequest,
  realmCount,
  registerPhone,
  removePlaintext,
  startNotifyStack,
  stopNotifyStack,
  successBody,
  type NotifyEnv,
} from './e2ee-notify-support';

describe.each([11, 12] as const)('push/e2ee/notify success (%i.x)', (profile) => {
  let env: NotifyEnv;
  beforeAll(async () => {
    env = await startNotifyStack(profile);
  });
  afterAll(() => stopNotifyStack(env));

  it('should deliver a message to APNs and FCM exactly as the server shaped it', async () => {
    const org = await newOrg(env);
    const ios = await registerPhone(env, org, 'apns');
    const android = await registerPhone(env, org, 'fcm');
    const plaintext = messagePlaintext('success-canary');
    const iosData = encryptFor(ios, plaintext);
    const androidData = encryptFor(android, plaintext);
    const m = mark(env);

    const res = await notify(env, org, [pushRequest(env, ios, iosData), pushRequest(env, android, androidData)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(successBody(env, 1, 1, []));

    // APNs: the payload object verbatim, high priority alert, topic = ios_app_id.
    const apns = await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
    expect(JSON.parse(apns.request.body)).toEqual({
      [keyIdKey(env)]: ios.keyId,
      encrypted_data: iosData,
      aps: apsFor(profile, false),
    });
    expect(Object.keys(JSON.parse(apns.request.body))).toEqual([keyIdKey(env), 'encrypted_data', 'aps']);
    expect(apns.notification).toEqual(JSON.parse(apns.request.body));
    expect(apns.request.httpVersion).toBe('2.0');
    expect(apns.request.path).toBe(`/3/device/${ios.token}`);
    expect(apns.request.headers).toMatchObject({
      'apns-priority': '10',
      'apns-push-type': 'alert',
      'apns-topic': ios.iosAppId,
    });
    expect(apns.outcome).toMatchObject({ accepted: true, status: 200 });

    // FCM: data values are strings, android priority high, nothing else.
    const fcm = await env.stack.fcm.journal.next(android.token, { afterSeq: m.fcm });
    expect(JSON.parse(fcm.request.body)).toEqual({
      message: {
        token: android.token,
        data: { [keyIdKey(env)]: String(android.keyId), encrypted_data: androidData },
        android: { priority: 'high' },
      },
    });
    expect(fcm.notification).toMatchObject({
      priority: 'high',
      data: { [keyIdKey(env)]: String(android.keyId), encrypted_data: androidData },
      notification: null,
    });

    // What each phone would show.
    expect(decryptFor(ios, (apns.notification as { encrypted_data: string }).encrypted_data)).toBe(plaintext);
    expect(decryptFor(android, (fcm.notification as { data: { encrypted_data: string } }).data.encrypted_data)).toBe(plaintext);

    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(2);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_forwarded::day')).toBe(2);

    // APNs and FCM are sent concurrently: their lines may come in either order.
    const lines = pushLogSince(env, m);
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        { logger: 'zerver.lib.push_notifications', level: INFO, msg: `APNs: Success sending to ${logContext(env, org, ios)}` },
        { logger: 'zilencer.lib.push_notifications', level: INFO, msg: `FCM: Sent message with ID: ${fcm.id} to ${logContext(env, org, android)}` },
      ]),
    );
    expect(fcm.id).toMatch(/^projects\/[^/]+\/messages\/.+/);
  });

  it('should send a removal as normal priority, 5 and background', async () => {
    const org = await newOrg(env);
    const ios = await registerPhone(env, org, 'apns');
    const android = await registerPhone(env, org, 'fcm');
    const iosData = encryptFor(ios, removePlaintext());
    const androidData = encryptFor(android, removePlaintext());
    const m = mark(env);

    const res = await notify(env, org, [
      pushRequest(env, ios, iosData, { removal: true }),
      pushRequest(env, android, androidData, { removal: true }),
    ]);
    expect(res.body).toEqual(successBody(env, 1, 1, []));

    const apns = await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
    expect(apns.request.headers).toMatchObject({ 'apns-priority': '5', 'apns-push-type': 'background', 'apns-topic': ios.iosAppId });
    expect(JSON.parse(apns.request.body)).toEqual({ [keyIdKey(env)]: ios.keyId, encrypted_data: iosData, aps: apsFor(profile, true) });

    const fcm = await env.stack.fcm.journal.next(android.token, { afterSeq: m.fcm });
    expect(JSON.parse(fcm.request.body).message.android).toEqual({ priority: 'normal' });
    expect(fcm.notification).toMatchObject({ priority: 'normal' });
    expect(decryptFor(android, androidData)).toBe(removePlaintext());
  });

  it('should fill in the default aps when the server sends none', async () => {
    const org = await newOrg(env);
    const ios = await registerPhone(env, org, 'apns');
    const data = encryptFor(ios, removePlaintext());
    const request = pushRequest(env, ios, data);
    delete (request.payload as Record<string, unknown>).aps;
    const m = mark(env);

    expect((await notify(env, org, [request])).body).toEqual(successBody(env, 1, 0, []));
    const apns = await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
    expect(JSON.parse(apns.request.body)).toEqual({
      [keyIdKey(env)]: ios.keyId,
      encrypted_data: data,
      aps: { 'mutable-content': 1, alert: { title: 'New notification' } },
    });
  });

  it('should send to every device of a request list and count each', async () => {
    const org = await newOrg(env);
    const phones = [
      await registerPhone(env, org, 'apns'),
      await registerPhone(env, org, 'apns', { iosAppId: 'com.zulip.flutter' }),
      await registerPhone(env, org, 'fcm'),
      await registerPhone(env, org, 'fcm'),
    ];
    const m = mark(env);
    const res = await notify(env, org, phones.map((p) => pushRequest(env, p, encryptFor(p, removePlaintext()))));
    expect(res.body).toEqual(successBody(env, 2, 2, []));
    const flutter = await env.stack.apns.journal.next(phones[1]!.token, { afterSeq: m.apns });
    expect(flutter.request.headers['apns-topic']).toBe('com.zulip.flutter');
    for (const p of phones.slice(2)) await env.stack.fcm.journal.next(p.token, { afterSeq: m.fcm });
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(4);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_forwarded::day')).toBe(4);
  });

  it('should touch the realm and tag the access log with the push status', async () => {
    const org = await newOrg(env);
    const ios = await registerPhone(env, org, 'apns');
    env.bouncer.clock.advance(7_000);
    const m = mark(env);
    await notify(env, org, [pushRequest(env, ios, encryptFor(ios, removePlaintext()))]);
    const [realm] = env.bouncer.query<{ last_request_datetime: number }>(
      'SELECT last_request_datetime FROM remote_realm WHERE uuid = ?',
      org.realm.uuid,
    );
    expect(realm!.last_request_datetime).toBe(env.bouncer.clock.now() / 1000);
    const access = env.bouncer.logLines().slice(m.log).filter((l) => l.logger === 'zulip.requests');
    expect(access).toHaveLength(1);
    expect(access[0]!.msg).toMatch(
      /^127\.0\.0\.1\s+POST\s+200\s+\S+ \/api\/v1\/remotes\/push\/e2ee\/notify \[can_push=True\/No plan few users\] \(zulip-server:[0-9a-f-]{36} via ZulipServer\)$/,
    );
  });
});
