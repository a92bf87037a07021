/** APNs alert title and subtitle rules (§C.4), and the message fields they go with (§C.2). */
import {
  apnsAlertSubtitle,
  apnsAlertTitle,
  compareCodePoints,
  INACCESSIBLE_USER_AVATAR_URL,
  type MessagePushInput,
  type PushTrigger,
} from '../common';
import { buildE2eeMessagePayload } from '../e2ee';
import { apnsMessagePayload, gcmMessagePayload } from '../legacy';
import { aaron, channelMessage, cordelia, denmark, directMessage, othello, specRealm, testUser } from './fixtures';

const base = { realm: specRealm, externalHost: 'zulip.example.com', user: testUser, sender: aaron };
const inChannel = (topic = 'test', trigger: PushTrigger = 'stream_push_notify'): MessagePushInput => ({
  ...base,
  message: channelMessage(45, 6, denmark, topic, '<p>hi</p>', 1754385395),
  channel: denmark,
  trigger,
});
const oneToOne = (trigger: PushTrigger = 'direct_message'): MessagePushInput => ({
  ...base,
  message: directMessage(46, 6, [6, 10], '<p>hi</p>', 1754385395),
  trigger,
});
const groupDm = (trigger: PushTrigger = 'direct_message'): MessagePushInput => ({
  ...base,
  message: directMessage(47, 6, [15, 6, 12, 10], '<p>hi</p>', 1754385395),
  participants: [aaron, testUser, cordelia, othello],
  trigger,
});

describe('APNs alert title', () => {
  it('should be "#<channel> > <topic>" for channel messages', () => {
    expect(apnsAlertTitle(inChannel())).toBe('#Denmark > test');
  });

  it('should show the empty topic as "general chat", in the title and the topic field', () => {
    const input = inChannel('');
    expect(apnsAlertTitle(input)).toBe('#Denmark > general chat');
    expect(gcmMessagePayload(input).payload).toHaveProperty('topic', 'general chat');
  });

  it("should be every participant's full name, sorted by code point, for group DMs", () => {
    expect(apnsAlertTitle(groupDm())).toBe('Cordelia, Lear\u2019s daughter, Iago, Othello, the Moor of Venice, aaron');
  });

  it("should be the sender's full name for 1:1 DMs and self-DMs", () => {
    expect(apnsAlertTitle(oneToOne())).toBe('aaron');
    const self = { ...base, user: aaron, message: directMessage(48, 6, [6], '<p>note</p>', 1), trigger: 'direct_message' as const };
    expect(apnsAlertTitle(self)).toBe('aaron');
    expect(apnsAlertSubtitle(self)).toBe('');
  });

  it('should require the participants of a group DM', () => {
    expect(() => apnsAlertTitle({ ...groupDm(), participants: [aaron, testUser] })).toThrow(/needs participants 12, 15/);
  });

  it('should sort like Python (code points), not like UTF-16', () => {
    const names = ['\u{1F600} smile', '\uFF5E tilde'];
    expect([...names].sort(compareCodePoints)).toEqual(['\uFF5E tilde', '\u{1F600} smile']);
    expect([...names].sort()).toEqual(['\u{1F600} smile', '\uFF5E tilde']);
  });
});

describe('APNs alert subtitle', () => {
  it.each<[string, MessagePushInput, string]>([
    ['a personal mention', inChannel('test', 'mentioned'), 'aaron mentioned you:'],
    ['a user-group mention', { ...inChannel('test', 'mentioned'), mentionedUserGroup: { id: 41, name: 'backend' } }, 'aaron mentioned @backend:'],
    ['the group_mentioned trigger', { ...inChannel('test', 'group_mentioned'), mentionedUserGroup: { id: 41, name: 'backend' } }, 'aaron mentioned @backend:'],
    ['a channel wildcard mention', inChannel('test', 'stream_wildcard_mentioned'), 'aaron mentioned everyone:'],
    ['a topic wildcard mention', inChannel('test', 'topic_wildcard_mentioned'), 'aaron mentioned everyone:'],
    ['a wildcard mention in a followed topic', inChannel('test', 'topic_wildcard_mentioned_in_followed_topic'), 'aaron mentioned everyone:'],
    ['a channel notification', inChannel('test', 'stream_push_notify'), 'aaron:'],
    ['a followed-topic notification', inChannel('test', 'followed_topic_push_notify'), 'aaron:'],
    ['a group DM', groupDm(), 'aaron:'],
    ['a 1:1 DM', oneToOne(), ''],
  ])('should be right for %s', (_what, input, subtitle) => {
    expect(apnsAlertSubtitle(input)).toBe(subtitle);
    expect(apnsMessagePayload(input).alert.subtitle).toBe(subtitle);
  });
});

describe('message fields that go with the titles', () => {
  it('should add pm_users (sorted ids) to legacy payloads only for group DMs', () => {
    expect(gcmMessagePayload(groupDm()).payload).toHaveProperty('pm_users', '6,10,12,15');
    expect(gcmMessagePayload(oneToOne()).payload).not.toHaveProperty('pm_users');
    expect(apnsMessagePayload(groupDm()).custom.zulip).toHaveProperty('pm_users', '6,10,12,15');
  });

  it('should add the mentioned user group to legacy and E2EE payloads', () => {
    const input = { ...inChannel('test', 'mentioned'), mentionedUserGroup: { id: 41, name: 'backend' } };
    for (const p of [gcmMessagePayload(input).payload, apnsMessagePayload(input).custom.zulip, buildE2eeMessagePayload(input)]) {
      expect(p).toMatchObject({ mentioned_user_group_id: 41, mentioned_user_group_name: 'backend' });
    }
    expect(gcmMessagePayload(inChannel()).payload).not.toHaveProperty('mentioned_user_group_id');
  });

  it('should hide a sender the user cannot access (guests, channel messages)', () => {
    const input = { ...inChannel(), canAccessSender: false };
    expect(apnsAlertSubtitle(input)).toBe('Unknown user:');
    expect(apnsAlertTitle(input)).toBe('#Denmark > test');
    expect(gcmMessagePayload(input).payload).toMatchObject({
      sender_email: 'user6@zulip.example.com',
      sender_full_name: 'Unknown user',
      sender_avatar_url: INACCESSIBLE_USER_AVATAR_URL,
    });
    expect(JSON.stringify(apnsMessagePayload(input))).not.toContain('aaron');
    expect(buildE2eeMessagePayload(input)).toMatchObject({ sender_full_name: 'Unknown user', sender_avatar_url: INACCESSIBLE_USER_AVATAR_URL });
  });
});
