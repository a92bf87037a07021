/**
 * The message → push pipeline on an 11.x server (FL 420: the apps register legacy tokens),
 * end to end: POST/sendMessage → the fake server's push worker → the real bouncer → mock
 * APNs/FCM → simulated phones. Who is notified (DMs, group DMs, mentions, wildcards), what they
 * see on each platform, 11.x redaction, removes, token clean-up, and 11.x E2EE delivery.
 */
import type { Phone } from '../../devices/phone';
import type { User } from '../types';
import { shown, startPushEnv, type PushEnv } from './push-support';

let env: PushEnv;
let S: User; // the sender
let A: User;
let B: User;
let C: User;
const phones: Record<string, { ios: Phone; android: Phone }> = {};
let senderPhone: Phone;

beforeAll(async () => {
  env = await startPushEnv({ profile: 11 });
  [S, , , A, B, C] = env.humans() as [User, User, User, User, User, User];
  for (const u of [A, B, C]) phones[u.id] = { ios: await env.phone(u, 'ios'), android: await env.phone(u, 'android') };
  senderPhone = await env.phone(S, 'ios');
});
afterAll(async () => {
  await env?.stop();
});

const text = () => env.zulip.world.messageText();
const all = (): Phone[] => [senderPhone, ...Object.values(phones).flatMap((p) => [p.ios, p.android])];

/** Nothing (more) arrived on these phones. */
async function expectNothing(list: Phone[]): Promise<void> {
  for (const p of list) expect(await p.pollNotification({ timeoutMs: 50 })).toBeNull();
}

async function send(sender: User, to: Parameters<PushEnv['zulip']['sendMessage']>[0]['to'], content: string) {
  const m = await env.zulip.sendMessage({ senderId: sender.id, to, content });
  await env.zulip.idle();
  return m;
}

it('registers every phone with the legacy API (FL 420)', () => {
  expect(env.zulip.state.legacyDevices.map((d) => d.kind).sort()).toEqual(['apns', 'apns', 'apns', 'apns', 'fcm', 'fcm', 'fcm']);
});

it('should push a direct message to the recipient on both platforms, and to nobody else', async () => {
  const content = text();
  const m = await send(S, { type: 'direct', userIds: [A.id] }, content);
  expect(m.recipient).toEqual({ type: 'direct', userIds: [S.id, A.id].sort((a, b) => a - b) });

  expect(shown(await phones[A.id]!.ios.nextNotification())).toEqual({ kind: 'message', title: S.fullName, subtitle: '', body: content });
  const android = await phones[A.id]!.android.nextNotification();
  expect(shown(android)).toEqual({ kind: 'message', title: S.fullName, body: content });
  expect(android.kind === 'message' && android.messageIds).toEqual([m.id]);
  await expectNothing(all());

  // The flag a later read needs, and Zulip's log lines (no content).
  expect(env.zulip.state.hasActivePushNotification(A.id, m.id)).toBe(true);
  expect(env.zulipLog()).toEqual(
    expect.arrayContaining([
      `INFO:Sending push notifications to mobile clients for user ${A.id}`,
      `INFO:Sent mobile push notifications for user ${A.id} through bouncer: 1 via FCM devices, 1 via APNs devices`,
      `INFO:Skipping E2EE push notifications for user ${A.id} because there are no registered devices`,
    ]),
  );
  expect(JSON.stringify(env.zulip.logLines())).not.toContain(content);
});

it('should push a group direct message with the participants as the iOS title', async () => {
  const content = text();
  await send(S, { type: 'direct', userIds: [A.id, B.id] }, content);
  const names = [S, A, B].map((u) => u.fullName).sort().join(', ');
  for (const u of [A, B]) {
    expect(shown(await phones[u.id]!.ios.nextNotification())).toEqual({ kind: 'message', title: names, subtitle: `${S.fullName}:`, body: content });
    expect(shown(await phones[u.id]!.android.nextNotification())).toEqual({ kind: 'message', title: `${S.fullName} to you and 1 other`, body: content });
  }
  await expectNothing(all());
});

it('should push a channel mention to the mentioned user only', async () => {
  const content = text();
  await send(S, { type: 'channel', channel: 'general', topic: 'lunch' }, `@**${A.fullName}** ${content}`);
  expect(shown(await phones[A.id]!.ios.nextNotification())).toEqual({
    kind: 'message',
    title: '#general > lunch',
    subtitle: `${S.fullName} mentioned you:`,
    body: `@${A.fullName} ${content}`,
  });
  expect(shown(await phones[A.id]!.android.nextNotification())).toEqual({ kind: 'message', title: '#general > lunch', body: `@${A.fullName} ${content}` });
  await expectNothing(all());
});

it('should not push a channel message without a mention, nor a silent mention', async () => {
  await send(S, { type: 'channel', channel: 'general', topic: 'lunch' }, text());
  await send(S, { type: 'channel', channel: 'general', topic: 'lunch' }, `@_**${A.fullName}** ${text()}`);
  await expectNothing(all());
});

it('should push @**all** to every other active human, and skip deactivated users', async () => {
  env.zulip.state.setUserActive(C.id, false);
  try {
    const content = text();
    await send(S, { type: 'channel', channel: 'general', topic: 'news' }, `@**all** ${content}`);
    for (const u of [A, B]) {
      expect(shown(await phones[u.id]!.ios.nextNotification())).toEqual({
        kind: 'message',
        title: '#general > news',
        subtitle: `${S.fullName} mentioned everyone:`,
        body: `@all ${content}`,
      });
      expect(shown(await phones[u.id]!.android.nextNotification())).toMatchObject({ title: '#general > news', body: `@all ${content}` });
    }
    await expectNothing(all());
  } finally {
    env.zulip.state.setUserActive(C.id, true);
  }
});

it('should push @**topic** to the topic participants only', async () => {
  // B takes part in the topic; A does not.
  await send(B, { type: 'channel', channel: 'general', topic: 'plans' }, 'count me in');
  const content = text();
  await send(S, { type: 'channel', channel: 'general', topic: 'plans' }, `@**topic** ${content}`);
  expect(shown(await phones[B.id]!.ios.nextNotification())).toMatchObject({ subtitle: `${S.fullName} mentioned everyone:`, body: `@topic ${content}` });
  expect(shown(await phones[B.id]!.android.nextNotification())).toMatchObject({ body: `@topic ${content}` });
  await expectNothing(all());
});

it('should redact the legacy content to "New message" when the realm requires E2EE (11.x)', async () => {
  const realm = env.realm();
  env.zulip.state.updateRealm(realm.id, { requireE2eePushNotifications: true });
  try {
    await send(S, { type: 'direct', userIds: [A.id] }, text());
    expect(shown(await phones[A.id]!.ios.nextNotification())).toEqual({ kind: 'message', title: S.fullName, subtitle: '', body: 'New message' });
    expect(shown(await phones[A.id]!.android.nextNotification())).toEqual({ kind: 'message', title: S.fullName, body: 'New message' });
    await expectNothing(all());
  } finally {
    env.zulip.state.updateRealm(realm.id, { requireE2eePushNotifications: false });
  }
});

it('should send removes when a notified message is read, and clear the flag', async () => {
  const m = await send(S, { type: 'direct', userIds: [A.id] }, text());
  await phones[A.id]!.ios.nextNotification();
  await phones[A.id]!.android.nextNotification();
  expect(phones[A.id]!.ios.lockScreen().some((i) => i.messageIds.includes(m.id))).toBe(true);

  env.zulip.markAsRead(A.id, [m.id]);
  await env.zulip.idle();
  const ios = await phones[A.id]!.ios.nextNotification();
  expect(ios).toMatchObject({ kind: 'remove', messageIds: [m.id] });
  expect(await phones[A.id]!.android.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m.id] });
  expect(phones[A.id]!.ios.lockScreen().some((i) => i.messageIds.includes(m.id))).toBe(false);
  expect(env.zulip.state.hasActivePushNotification(A.id, m.id)).toBe(false);

  // Read again: nothing had a notification any more.
  env.zulip.markAsRead(A.id, [m.id]);
  await env.zulip.idle();
  await expectNothing(all());
});

it('should not push a message the user read before the push went out', async () => {
  // sendMessage stores the message and enqueues the push synchronously; the push runs later.
  const sending = env.zulip.sendMessage({ senderId: S.id, to: { type: 'direct', userIds: [A.id] }, content: text() });
  const m = [...env.zulip.state.messages.values()].at(-1)!;
  env.zulip.markAsRead(A.id, [m.id]); // before the queued push ran
  expect((await sending).id).toBe(m.id);
  await env.zulip.idle();
  expect(env.zulip.state.hasActivePushNotification(A.id, m.id)).toBe(false);
  await expectNothing(all());
});

it('should take removes back through the flags endpoint and on deletion', async () => {
  const m1 = await send(S, { type: 'direct', userIds: [A.id, B.id] }, text());
  for (const u of [A, B]) {
    await phones[u.id]!.ios.nextNotification();
    await phones[u.id]!.android.nextNotification();
  }
  const res = await env.api(A, 'POST', '/api/v1/messages/flags', { messages: JSON.stringify([m1.id]), op: 'add', flag: 'read' });
  expect(res).toEqual({ status: 200, body: { result: 'success', msg: '', messages: [m1.id] } });
  await env.zulip.idle();
  expect(await phones[A.id]!.ios.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m1.id] });
  expect(await phones[A.id]!.android.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m1.id] });
  await expectNothing(all());

  // The sender deletes it: B (still notified) gets the remove; A (already read) nothing.
  const del = await env.api(S, 'DELETE', `/api/v1/messages/${m1.id}`);
  expect(del).toEqual({ status: 200, body: { result: 'success', msg: '' } });
  await env.zulip.idle();
  expect(await phones[B.id]!.ios.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m1.id] });
  expect(await phones[B.id]!.android.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m1.id] });
  await expectNothing(all());
  expect(env.zulip.state.messages.has(m1.id)).toBe(false);
});

it('should delete the local token when the provider says it is unregistered', async () => {
  const token = phones[C.id]!.android.token;
  phones[C.id]!.android.uninstall();
  const content = text();
  await send(S, { type: 'direct', userIds: [C.id] }, content);
  // The iPhone still gets it; the Android registration is gone from the server.
  expect(shown(await phones[C.id]!.ios.nextNotification())).toMatchObject({ body: content });
  expect(env.zulip.state.legacyDevices.some((d) => d.token === token)).toBe(false);
  expect(env.zulipLog()).toContain(`INFO:Deleting push tokens based on response from bouncer: Android: ['${token}'], Apple: []`);

  // Later messages go to the iPhone only.
  await send(S, { type: 'direct', userIds: [C.id] }, text());
  expect(await phones[C.id]!.ios.nextNotification()).toMatchObject({ kind: 'message' });
  expect(env.zulipLog()).toContain(`INFO:Sent mobile push notifications for user ${C.id} through bouncer: 0 via FCM devices, 1 via APNs devices`);
  await expectNothing(all());
});

it('should count the pushes the bouncer attempted in mobile_pushes_sent::day', () => {
  const total = env.zulip.state.realmCounts.filter((r) => r.property === 'mobile_pushes_sent::day').reduce((n, r) => n + r.value, 0);
  expect(total).toBeGreaterThanOrEqual(20);
});

describe('11.x E2EE (PushDevice rows, push_account_id)', () => {
  let D: User;
  let d: { ios: Phone; android: Phone };

  beforeAll(async () => {
    D = env.humans()[2]!; // the moderator: no legacy registration
    d = { ios: await env.phone(D, 'ios', 'e2ee-11'), android: await env.phone(D, 'android', 'e2ee-11') };
  });

  it('should deliver an E2EE DM that decrypts to the exact text, with no content at the bouncer', async () => {
    const content = text();
    const m = await send(S, { type: 'direct', userIds: [D.id] }, content);
    for (const p of [d.ios, d.android]) {
      const n = await p.nextNotification();
      expect(shown(n)).toMatchObject({ kind: 'message', title: S.fullName, body: content });
      if (n.kind !== 'message') throw new Error('not a message');
      // 11.x (FL 413–428): a 1:1 DM has neither pm_users nor recipient_user_ids.
      expect(JSON.parse(n.plaintext!)).toEqual({
        realm_url: env.realm().url,
        realm_name: env.realm().name,
        user_id: D.id,
        sender_id: S.id,
        recipient_type: 'direct',
        type: 'message',
        message_id: m.id,
        time: m.dateSent,
        content,
        sender_full_name: S.fullName,
        sender_avatar_url: S.avatarUrl,
      });
    }
    expect(env.bouncerSinksContaining(content)).toEqual([]);
    expect(env.zulipLog()).toEqual(
      expect.arrayContaining([
        `INFO:Skipping legacy push notifications for user ${D.id} because there are no registered devices`,
        expect.stringMatching(new RegExp(`^INFO:Sent E2EE mobile push notifications for user ${D.id}: 1 via FCM, 1 via APNs in \\d+\\.\\d{3}s$`)),
      ]),
    );
    await expectNothing(all());
  });

  it('should keep the E2EE content when the realm requires E2EE', async () => {
    const realm = env.realm();
    env.zulip.state.updateRealm(realm.id, { requireE2eePushNotifications: true });
    try {
      const content = text();
      await send(S, { type: 'channel', channel: 'general', topic: 'secret' }, `@**${D.fullName}** ${content}`);
      expect(shown(await d.android.nextNotification())).toEqual({ kind: 'message', title: '#general > secret', body: `@${D.fullName} ${content}` });
      expect(shown(await d.ios.nextNotification())).toMatchObject({ body: `@${D.fullName} ${content}` });
    } finally {
      env.zulip.state.updateRealm(realm.id, { requireE2eePushNotifications: false });
    }
  });

  it('should delete the PushDevice row the bouncer expired', async () => {
    d.ios.uninstall();
    await send(S, { type: 'direct', userIds: [D.id] }, text());
    expect(await d.android.nextNotification()).toMatchObject({ kind: 'message' });
    expect(env.zulip.state.pushDevices11.filter((x) => x.userId === D.id).map((x) => x.tokenKind)).toEqual(['fcm']);
    expect(env.zulipLog()).toEqual(expect.arrayContaining([expect.stringMatching(/^INFO:Deleting PushDevice rows with the following device IDs based on response from bouncer: \[\d+\]$/)]));
  });

  it('should send an E2EE remove on read', async () => {
    const m = await send(S, { type: 'direct', userIds: [D.id] }, text());
    await d.android.nextNotification();
    env.zulip.markAsRead(D.id, [m.id]);
    await env.zulip.idle();
    expect(await d.android.nextNotification()).toMatchObject({ kind: 'remove', messageIds: [m.id] });
  });
});
