/**
 * The message → push pipeline on a 12.x server (FL 470: the apps register for E2EE), end to
 * end through the real bouncer and mock providers: E2EE delivery and decryption, no content at
 * the bouncer, legacy registrations alongside, `require_e2ee_push_notifications` (legacy
 * skipped), removes, cleared token ids, and both test-notification endpoints.
 */
import type { Phone } from '../../devices/phone';
import type { User } from '../types';
import { shown, startPushEnv, type PushEnv } from './push-support';

let env: PushEnv;
let S: User;
let A: User; // E2EE on both platforms
let B: User; // a legacy iPhone and an E2EE Android phone
let C: User; // no phone at all
let a: { ios: Phone; android: Phone };
let b: { legacyIos: Phone; android: Phone };

beforeAll(async () => {
  env = await startPushEnv({ profile: 12 });
  [S, , , A, B, C] = env.humans() as [User, User, User, User, User, User];
  a = { ios: await env.phone(A, 'ios'), android: await env.phone(A, 'android') };
  b = { legacyIos: await env.phone(B, 'ios', 'legacy'), android: await env.phone(B, 'android') };
});
afterAll(async () => {
  await env?.stop();
});

const text = () => env.zulip.world.messageText();
const all = (): Phone[] => [a.ios, a.android, b.legacyIos, b.android];
async function expectNothing(list: Phone[] = all()): Promise<void> {
  for (const p of list) expect(await p.pollNotification({ timeoutMs: 50 })).toBeNull();
}
async function send(sender: User, to: Parameters<PushEnv['zulip']['sendMessage']>[0]['to'], content: string) {
  const m = await env.zulip.sendMessage({ senderId: sender.id, to, content });
  await env.zulip.idle();
  return m;
}
const sentCount = () => env.zulip.state.realmCounts.filter((r) => r.property === 'mobile_pushes_sent::day').reduce((n, r) => n + r.value, 0);

it('should register 12.x Device rows with token ids and keys', () => {
  const devices = [...env.zulip.state.clientDevices.values()];
  expect(devices.map((d) => [d.userId, d.pushTokenKind])).toEqual([
    [A.id, 'apns'],
    [A.id, 'fcm'],
    [B.id, 'fcm'],
  ]);
  expect(devices.every((d) => d.pushTokenId !== null && d.pushKey?.length === 33)).toBe(true);
});

it('should deliver an E2EE DM that decrypts to the exact text on both platforms, with no content at the bouncer', async () => {
  const before = sentCount();
  const content = text();
  const m = await send(S, { type: 'direct', userIds: [A.id] }, content);
  for (const p of [a.ios, a.android]) {
    const n = await p.nextNotification();
    expect(shown(n)).toEqual({ kind: 'message', title: S.fullName, body: content, ...(p === a.ios ? { subtitle: '' } : {}) });
    if (n.kind !== 'message') throw new Error('not a message');
    expect(n.encrypted).toBe(true);
    expect(JSON.parse(n.plaintext!)).toEqual({
      realm_url: env.realm().url,
      realm_name: env.realm().name,
      user_id: A.id,
      sender_id: S.id,
      recipient_type: 'direct',
      recipient_user_ids: [S.id, A.id].sort((x, y) => x - y),
      type: 'message',
      message_id: m.id,
      time: m.dateSent,
      content,
      sender_full_name: S.fullName,
      sender_avatar_url: S.avatarUrl,
    });
  }
  // iOS shows "New notification" if the extension cannot run; FCM carries only the key id and box.
  const apns = env.stack.apns.journal.list({ device: a.ios.token }).at(-1)!;
  expect(apns.notification).toMatchObject({ aps: { 'mutable-content': 1, alert: { title: 'New notification' }, sound: 'default' } });
  const fcm = env.stack.fcm.journal.list({ device: a.android.token }).at(-1)!;
  expect(Object.keys((fcm.notification as { data: object }).data).sort()).toEqual(['encrypted_data', 'push_key_id']);

  expect(env.bouncerSinksContaining(content)).toEqual([]);
  expect(sentCount() - before).toBe(2);
  const lines = env.zulipLog();
  expect(lines).toEqual(
    expect.arrayContaining([
      `INFO:Sending push notifications to mobile clients for user ${A.id}`,
      `INFO:Skipping legacy push notifications for user ${A.id} because there are no registered devices`,
      expect.stringMatching(new RegExp(`^INFO:Sent E2EE mobile push notifications for user ${A.id}: 1 via FCM, 1 via APNs in \\d+\\.\\d{3}s$`)),
    ]),
  );
  expect(JSON.stringify(env.zulip.logLines())).not.toContain(content);
  await expectNothing();
});

it('should deliver a channel mention over E2EE with the channel and topic', async () => {
  const content = text();
  await send(S, { type: 'channel', channel: 'general', topic: 'design' }, `@**${A.fullName}** ${content}`);
  expect(shown(await a.ios.nextNotification())).toEqual({ kind: 'message', title: '#general > design', subtitle: `${S.fullName}:`, body: `@${A.fullName} ${content}` });
  const n = await a.android.nextNotification();
  expect(shown(n)).toEqual({ kind: 'message', title: '#general > design', body: `@${A.fullName} ${content}` });
  expect(n.kind === 'message' && JSON.parse(n.plaintext!)).toMatchObject({ recipient_type: 'channel', channel_name: 'general', topic: 'design' });
  await expectNothing();
});

it('should send both legacy and E2EE pushes to a user with both kinds of registration', async () => {
  const before = sentCount();
  const content = text();
  await send(S, { type: 'direct', userIds: [B.id] }, content);
  // The legacy iPhone shows the server's alert; the Android phone decrypts.
  expect(shown(await b.legacyIos.nextNotification())).toEqual({ kind: 'message', title: S.fullName, subtitle: '', body: content });
  expect(await b.android.nextNotification()).toMatchObject({ kind: 'message', encrypted: true, body: content });
  expect(sentCount() - before).toBe(2);
  await expectNothing();
});

it('should skip the legacy path entirely when the realm requires E2EE (12.x), and still deliver E2EE', async () => {
  const realm = env.realm();
  env.zulip.state.updateRealm(realm.id, { requireE2eePushNotifications: true });
  try {
    const content = text();
    await send(S, { type: 'direct', userIds: [B.id] }, content);
    const n = await b.android.nextNotification();
    expect(n.kind === 'message' && JSON.parse(n.plaintext!).content).toBe(content);
    await expectNothing(); // nothing at all for the legacy iPhone, not even a redacted push
    expect(env.zulipLog().filter((l) => l.includes(`through bouncer`) && l.includes(`user ${B.id} `))).toHaveLength(1); // the earlier test's only
  } finally {
    env.zulip.state.updateRealm(realm.id, { requireE2eePushNotifications: false });
  }
});

it('should send E2EE removes (background, normal priority) when messages are read', async () => {
  const m1 = await send(S, { type: 'direct', userIds: [A.id] }, text());
  const m2 = await send(S, { type: 'direct', userIds: [A.id] }, text());
  for (let i = 0; i < 2; i += 1) {
    await a.ios.nextNotification();
    await a.android.nextNotification();
  }
  const res = await env.api(A, 'POST', '/api/v1/messages/flags', { messages: JSON.stringify([m1.id, m2.id]), op: 'add', flag: 'read' });
  expect(res.body).toEqual({ result: 'success', msg: '', messages: [m1.id, m2.id] });
  await env.zulip.idle();
  const ios = await a.ios.nextNotification();
  expect(ios).toMatchObject({ kind: 'remove', messageIds: [m1.id, m2.id], encrypted: true });
  expect(await a.android.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m1.id, m2.id] });
  const apns = env.stack.apns.journal.list({ device: a.ios.token }).at(-1)!;
  expect(apns.request.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
  expect(apns.notification).toMatchObject({ aps: { 'mutable-content': 1 } });
  expect((apns.notification as { aps: object }).aps).not.toHaveProperty('alert');
  const fcm = env.stack.fcm.journal.list({ device: a.android.token }).at(-1)!;
  expect(fcm.notification).toMatchObject({ priority: 'normal' });
  expect(a.ios.lockScreen().filter((i) => i.messageIds.includes(m1.id) || i.messageIds.includes(m2.id))).toEqual([]);
  await expectNothing();
});

describe('test notifications', () => {
  it('should send an E2EE test notification to every device of the user, or to the one named', async () => {
    const res = await env.api(A, 'POST', '/api/v1/mobile_push/e2ee/test_notification');
    expect(res).toEqual({ status: 200, body: { result: 'success', msg: '' } });
    // The app does not display `type: "test"`; the iPhone shows the fallback alert.
    const ios = await a.ios.nextNotification();
    expect(ios).toMatchObject({ kind: 'test', encrypted: true });
    expect(ios.kind === 'test' && JSON.parse(ios.plaintext!)).toEqual({
      realm_url: env.realm().url,
      realm_name: env.realm().name,
      user_id: A.id,
      type: 'test',
      time: Math.floor(env.clock.now() / 1000),
    });
    expect(await a.android.nextNotification()).toMatchObject({ kind: 'test', shown: false });
    expect(env.zulipLog()).toContain(`INFO:Sending E2EE test push notification for user ${A.id}`);

    const android = [...env.zulip.state.clientDevices.values()].find((d) => d.userId === A.id && d.pushTokenKind === 'fcm')!;
    const one = await env.api(A, 'POST', '/api/v1/mobile_push/e2ee/test_notification', { device_id: String(android.id) });
    expect(one.status).toBe(200);
    expect(await a.android.nextNotification()).toMatchObject({ kind: 'test' });
    await expectNothing();
  });

  it('should answer NO_ACTIVE_PUSH_DEVICE without a device, or for another user\'s device', async () => {
    const none = await env.api(C, 'POST', '/api/v1/mobile_push/e2ee/test_notification');
    expect(none).toEqual({ status: 400, body: { result: 'error', msg: 'No active registered push device', code: 'NO_ACTIVE_PUSH_DEVICE' } });
    const other = [...env.zulip.state.clientDevices.values()].find((d) => d.userId === A.id)!;
    const notMine = await env.api(B, 'POST', '/api/v1/mobile_push/e2ee/test_notification', { device_id: String(other.id) });
    expect(notMine.body).toMatchObject({ code: 'NO_ACTIVE_PUSH_DEVICE' });
    await expectNothing();
  });

  it('should send a legacy test notification through the bouncer, and refuse an unknown token', async () => {
    const res = await env.api(B, 'POST', '/api/v1/mobile_push/test_notification', { token: b.legacyIos.token });
    expect(res).toEqual({ status: 200, body: { result: 'success', msg: '' } });
    const n = await b.legacyIos.nextNotification();
    expect(n).toMatchObject({ kind: 'test', title: 'Test notification', body: `This is a test notification from ${env.realm().name} (${env.realm().url}).` });
    expect(env.zulipLog()).toContainEqual(expect.stringMatching(new RegExp(`^INFO:Sending test push notification to bouncer: \\{'realm_uuid': '${env.realm().uuid}', 'user_uuid': '${B.uuid}', 'user_id': ${B.id}, 'token': '${b.legacyIos.token}', 'token_kind': 1, 'base_payload': \\{'server': `)));

    const unknown = await env.api(B, 'POST', '/api/v1/mobile_push/test_notification', { token: 'abcdef' });
    expect(unknown).toEqual({ status: 400, body: { result: 'error', msg: 'Device not recognized', code: 'INVALID_PUSH_DEVICE_TOKEN' } });
    const bot = env.zulip.users().find((u) => u.isBot)!;
    expect((await env.api(bot, 'POST', '/api/v1/mobile_push/test_notification')).body).toMatchObject({ msg: 'This endpoint does not accept bot requests.' });
    await expectNothing();
  });
});

describe('token ids the bouncer expired', () => {
  it('should clear push_token_id and tell the user\'s clients, and keep sending to the other device', async () => {
    const ios = [...env.zulip.state.clientDevices.values()].find((d) => d.userId === A.id && d.pushTokenKind === 'apns')!;
    const tokenId = ios.pushTokenId!;
    a.ios.uninstall();
    await send(S, { type: 'direct', userIds: [A.id] }, text());
    expect(await a.android.nextNotification()).toMatchObject({ kind: 'message' });

    expect(env.zulip.state.clientDevices.get(ios.id)).toMatchObject({ pushTokenId: null, pushKeyId: ios.pushKeyId });
    expect(env.zulip.state.eventsFor(A.id)).toContainEqual({ type: 'device', op: 'update', device_id: ios.id, push_token_id: null });
    expect(env.zulipLog()).toContain(`INFO:Clearing \`push_token_id\` for Device rows with the following token IDs based on response from bouncer: ['${tokenId}']`);

    await send(S, { type: 'direct', userIds: [A.id] }, text());
    expect(await a.android.nextNotification()).toMatchObject({ kind: 'message' });
    expect(env.zulipLog().at(-1)).toMatch(new RegExp(`^INFO:Sent E2EE mobile push notifications for user ${A.id}: 1 via FCM, 0 via APNs in`));
    await expectNothing();
  });

  it('should answer NO_ACTIVE_PUSH_DEVICE to a test when the bouncer expired every device', async () => {
    a.android.uninstall();
    const res = await env.api(A, 'POST', '/api/v1/mobile_push/e2ee/test_notification');
    expect(res).toEqual({ status: 400, body: { result: 'error', msg: 'No active registered push device', code: 'NO_ACTIVE_PUSH_DEVICE' } });
    expect([...env.zulip.state.clientDevices.values()].filter((d) => d.userId === A.id && d.pushTokenId !== null)).toEqual([]);
    // Now the server knows: no request reaches the bouncer at all.
    const again = await env.api(A, 'POST', '/api/v1/mobile_push/e2ee/test_notification');
    expect(again.body).toMatchObject({ code: 'NO_ACTIVE_PUSH_DEVICE' });
  });
});
