/** The legacy push/notify body for a message (§C.1–C.4; bouncer-protocol.md §5.1). */
import type { LegacyPushDevice } from '../../types';
import type { MessagePushInput } from '../common';
import { buildLegacyMessageNotify, gcmMessagePayload, legacySkipReason } from '../legacy';
import { aaron, channelMessage, denmark, directMessage, hamlet, iago, specRealm, testUser } from './fixtures';

const fcm = (token: string, userId = 10): LegacyPushDevice => ({ userId, kind: 'fcm', token, iosAppId: null });
const apns = (token: string, userId = 10): LegacyPushDevice => ({ userId, kind: 'apns', token, iosAppId: 'org.zulip.Zulip' });

/** The §C.3 example: aaron writes "hello" to #Denmark > test; user 10 is notified. */
const specChannelInput = (): MessagePushInput => ({
  realm: specRealm,
  externalHost: 'zulip.example.com',
  user: testUser,
  message: channelMessage(45, 6, denmark, 'test', '<p>hello</p>', 1754385395),
  sender: aaron,
  channel: denmark,
  trigger: 'stream_push_notify',
});

describe('legacy FCM message payload (§C.3)', () => {
  it('should reproduce the spec example exactly, with high priority', () => {
    const { payload, options } = gcmMessagePayload(specChannelInput());
    expect(payload).toEqual({
      server: 'zulip.example.com',
      realm_id: 2,
      realm_uri: 'https://zulip.example.com',
      realm_url: 'https://zulip.example.com',
      realm_name: 'Example',
      user_id: 10,
      sender_id: 6,
      sender_email: 'aaron@example.com',
      recipient_type: 'stream',
      stream: 'Denmark',
      stream_id: 10,
      topic: 'test',
      event: 'message',
      zulip_message_id: 45,
      time: 1754385395,
      content: 'hello',
      sender_full_name: 'aaron',
      sender_avatar_url: aaron.avatarUrl,
    });
    expect(options).toEqual({ priority: 'high' });
  });

  it("should keep Zulip's key order", () => {
    expect(Object.keys(gcmMessagePayload(specChannelInput()).payload)).toEqual([
      'server', 'realm_id', 'realm_uri', 'realm_url', 'realm_name', 'user_id', 'sender_id', 'sender_email',
      'recipient_type', 'stream', 'stream_id', 'topic', 'event', 'zulip_message_id', 'time', 'content',
      'sender_full_name', 'sender_avatar_url',
    ]);
  });
});

describe('legacy APNs message payload (§C.4)', () => {
  it('should have the pre-aps shape: alert, default sound, badge 0, custom.zulip', () => {
    const body = buildLegacyMessageNotify({ ...specChannelInput(), devices: [apns('ab12')], profile: 12 })!;
    expect(body.apns_payload).toEqual({
      alert: { title: '#Denmark > test', subtitle: 'aaron:', body: 'hello' },
      sound: 'default',
      badge: 0,
      custom: {
        zulip: {
          realm_uri: 'https://zulip.example.com',
          realm_url: 'https://zulip.example.com',
          realm_name: 'Example',
          user_id: 10,
          sender_id: 6,
          sender_email: 'aaron@example.com',
          recipient_type: 'stream',
          stream: 'Denmark',
          stream_id: 10,
          topic: 'test',
          message_ids: [45],
        },
      },
    });
  });

  it('should carry no server, realm_id, time, content, event or mutable-content', () => {
    const apnsPayload = buildLegacyMessageNotify({ ...specChannelInput(), devices: [apns('ab12')], profile: 12 })!.apns_payload;
    const zulip = (apnsPayload as { custom: { zulip: Record<string, unknown> } }).custom.zulip;
    for (const key of ['server', 'realm_id', 'time', 'content', 'event']) expect(zulip).not.toHaveProperty(key);
    expect(apnsPayload).not.toHaveProperty('mutable-content');
  });
});

describe('the push/notify request (bouncer-protocol.md §5.1)', () => {
  const dmInput = (): MessagePushInput => ({
    realm: specRealm,
    externalHost: 'zulip.example.com',
    user: iago,
    message: directMessage(123, 5, [5, 10], '<p>Are you there?</p>', 1700000000),
    sender: hamlet,
    trigger: 'direct_message',
  });

  it("should reproduce the modern server's example for a 1:1 DM", () => {
    const body = buildLegacyMessageNotify({ ...dmInput(), devices: [fcm('fcm-token-1'), apns('ab12cd')], profile: 12 });
    expect(body).toEqual({
      user_uuid: iago.uuid,
      user_id: 10,
      realm_uuid: specRealm.uuid,
      apns_payload: {
        alert: { title: 'King Hamlet', subtitle: '', body: 'Are you there?' },
        sound: 'default',
        badge: 0,
        custom: {
          zulip: {
            realm_uri: 'https://zulip.example.com',
            realm_url: 'https://zulip.example.com',
            realm_name: 'Example',
            user_id: 10,
            sender_id: 5,
            sender_email: 'hamlet@zulip.example.com',
            recipient_type: 'private',
            message_ids: [123],
          },
        },
      },
      gcm_payload: {
        server: 'zulip.example.com',
        realm_id: 2,
        realm_uri: 'https://zulip.example.com',
        realm_url: 'https://zulip.example.com',
        realm_name: 'Example',
        user_id: 10,
        sender_id: 5,
        sender_email: 'hamlet@zulip.example.com',
        recipient_type: 'private',
        event: 'message',
        zulip_message_id: 123,
        time: 1700000000,
        content: 'Are you there?',
        sender_full_name: 'King Hamlet',
        sender_avatar_url: 'https://zulip.example.com/avatar/5.png',
      },
      gcm_options: { priority: 'high' },
      android_devices: ['fcm-token-1'],
      apple_devices: ['ab12cd'],
    });
  });

  it('should list top-level keys in the order Zulip sends them', () => {
    const body = buildLegacyMessageNotify({ ...dmInput(), devices: [fcm('t')], profile: 12 })!;
    expect(Object.keys(body)).toEqual([
      'user_uuid', 'user_id', 'realm_uuid', 'apns_payload', 'gcm_payload', 'gcm_options', 'android_devices', 'apple_devices',
    ]);
  });

  it("should list the user's tokens in the given order and ignore other users' rows", () => {
    const devices = [fcm('f1'), apns('a1'), fcm('other', 99), fcm('f2'), apns('a2')];
    const body = buildLegacyMessageNotify({ ...dmInput(), devices, profile: 12 })!;
    expect(body.android_devices).toEqual(['f1', 'f2']);
    expect(body.apple_devices).toEqual(['a1', 'a2']);
  });

  it('should build on 12.x only the payloads of the device kinds the user has', () => {
    const onlyFcm = buildLegacyMessageNotify({ ...dmInput(), devices: [fcm('f1')], profile: 12 })!;
    expect(onlyFcm.apns_payload).toEqual({});
    expect(onlyFcm.gcm_payload).toHaveProperty('event', 'message');
    const onlyApns = buildLegacyMessageNotify({ ...dmInput(), devices: [apns('a1')], profile: 12 })!;
    expect(onlyApns.gcm_payload).toEqual({});
    expect(onlyApns.gcm_options).toEqual({});
    expect(onlyApns.apns_payload).toHaveProperty('alert');
  });

  it('should build both payloads on 11.x whatever devices the user has', () => {
    const body = buildLegacyMessageNotify({ ...dmInput(), devices: [fcm('f1')], profile: 11 })!;
    expect(body.apns_payload).toHaveProperty('alert');
    expect(body.gcm_options).toEqual({ priority: 'high' });
  });

  it('should send nothing to a user without legacy registrations', () => {
    expect(buildLegacyMessageNotify({ ...dmInput(), devices: [fcm('x', 99)], profile: 11 })).toBeNull();
    expect(legacySkipReason(specRealm, iago, [], 12)).toBe('no_devices');
    expect(legacySkipReason(specRealm, iago, [fcm('f')], 12)).toBeNull();
  });

  it('should truncate long content in both FCM content and APNs body', () => {
    const input = dmInput();
    input.message = { ...input.message, renderedContent: `<p>${'word '.repeat(60)}</p>` };
    const body = buildLegacyMessageNotify({ ...input, devices: [fcm('f'), apns('a')], profile: 12 })!;
    const expected = 'word '.repeat(40) + '\u2026';
    expect((body.gcm_payload as { content: string }).content).toBe(expected);
    expect((body.apns_payload as { alert: { body: string } }).alert.body).toBe(expected);
  });
});
