/** E2EE plaintexts (§A.3, §A.4): the spec's JSON examples, value for value. */
import { buildE2eeMessagePayload, buildE2eeRemovePayload, buildE2eeTestPayload, serializePlaintext } from '../e2ee';
import {
  aaron,
  appChannel,
  appRealm,
  appSelf,
  appSender,
  appThird,
  channelMessage,
  cordelia,
  denmark,
  devRealm,
  directMessage,
  GRAVATAR,
  othello,
  testUser,
} from './fixtures';

const dev = { realm: devRealm, externalHost: 'zulip.testserver', user: testUser, sender: aaron };

describe('§A.4 examples (Zulip api_docs/mobile-notifications.md)', () => {
  it('should build the channel message with a user-group mention', () => {
    const payload = buildE2eeMessagePayload({
      ...dev,
      message: channelMessage(45, 6, denmark, 'test', '<p><span class="user-group-mention" data-user-group-id="41">@test_user_group</span></p>', 1754385395),
      channel: denmark,
      trigger: 'mentioned',
      mentionedUserGroup: { id: 41, name: 'test_user_group' },
    });
    expect(payload).toEqual({
      channel_id: 10,
      channel_name: 'Denmark',
      content: '@test_user_group',
      mentioned_user_group_id: 41,
      mentioned_user_group_name: 'test_user_group',
      message_id: 45,
      realm_name: 'Zulip Dev',
      realm_url: 'http://zulip.testserver',
      recipient_type: 'channel',
      sender_avatar_url: GRAVATAR,
      sender_full_name: 'aaron',
      sender_id: 6,
      time: 1754385395,
      topic: 'test',
      type: 'message',
      user_id: 10,
    });
  });

  it('should build the group direct message with recipient_user_ids (12.x)', () => {
    const payload = buildE2eeMessagePayload({
      ...dev,
      message: directMessage(46, 6, [6, 10, 12, 15], '<p>test content</p>', 1754385290),
      participants: [aaron, testUser, cordelia, othello],
      trigger: 'direct_message',
    });
    expect(payload).toEqual({
      content: 'test content',
      message_id: 46,
      realm_name: 'Zulip Dev',
      realm_url: 'http://zulip.testserver',
      recipient_type: 'direct',
      recipient_user_ids: [6, 10, 12, 15],
      sender_avatar_url: GRAVATAR,
      sender_full_name: 'aaron',
      sender_id: 6,
      time: 1754385290,
      type: 'message',
      user_id: 10,
    });
  });

  it('should use pm_users for group DMs only on 11.x (FL 413–428)', () => {
    const group = buildE2eeMessagePayload({
      ...dev,
      message: directMessage(46, 6, [15, 12, 10, 6], '<p>x</p>', 1),
      participants: [aaron, testUser, cordelia, othello],
      trigger: 'direct_message',
      profile: 11,
    });
    expect(group).toMatchObject({ recipient_type: 'direct', pm_users: '6,10,12,15' });
    expect(group).not.toHaveProperty('recipient_user_ids');
    const oneToOne = buildE2eeMessagePayload({ ...dev, message: directMessage(47, 6, [6, 10], '<p>x</p>', 1), trigger: 'direct_message', profile: 11 });
    expect(oneToOne).not.toHaveProperty('pm_users');
    expect(oneToOne).not.toHaveProperty('recipient_user_ids');
  });

  it('should build the remove payload', () => {
    expect(buildE2eeRemovePayload({ realm: devRealm, user: testUser, messageIds: [32, 31] })).toEqual({
      message_ids: [31, 32],
      realm_name: 'Zulip Dev',
      realm_url: 'http://zulip.testserver',
      type: 'remove',
      user_id: 10,
    });
  });

  it('should build the test payload', () => {
    expect(buildE2eeTestPayload({ realm: devRealm, user: testUser, time: 1754577820 })).toEqual({
      realm_name: 'Zulip Dev',
      realm_url: 'http://zulip.testserver',
      time: 1754577820,
      type: 'test',
      user_id: 10,
    });
  });
});

describe('§A.3 examples (zulip-flutter test data)', () => {
  const app = { realm: appRealm, externalHost: 'zulip.example.com', user: appSelf, sender: appSender };
  const common = {
    realm_url: 'https://zulip.example.com/',
    realm_name: 'Example Organization',
    user_id: 234,
    type: 'message',
    sender_id: 123,
    sender_avatar_url: 'https://zulip.example.com/avatar/123.jpeg',
    sender_full_name: 'A Sender',
    time: 1546300800,
    message_id: 12345,
    content: 'This is a message',
  };

  it('should build the channel message', () => {
    const payload = buildE2eeMessagePayload({
      ...app,
      message: { ...channelMessage(12345, 123, appChannel, 'play', '<p>This is a message</p>', 1546300800), realmId: 3 },
      channel: appChannel,
      trigger: 'stream_push_notify',
    });
    expect(payload).toEqual({ ...common, recipient_type: 'channel', channel_id: 42, channel_name: 'denmark', topic: 'play' });
  });

  it('should build 1:1 and group DMs with sorted recipient_user_ids including self', () => {
    const dm = (userIds: number[]) =>
      buildE2eeMessagePayload({
        ...app,
        message: directMessage(12345, 123, userIds, '<p>This is a message</p>', 1546300800, 3),
        participants: [appSender, appSelf, appThird],
        trigger: 'direct_message',
      });
    expect(dm([234, 123])).toEqual({ ...common, recipient_type: 'direct', recipient_user_ids: [123, 234] });
    expect(dm([345, 123, 234])).toEqual({ ...common, recipient_type: 'direct', recipient_user_ids: [123, 234, 345] });
  });

  it('should list only the user in a self-DM', () => {
    const payload = buildE2eeMessagePayload({
      ...app,
      sender: appSelf,
      message: directMessage(12346, 234, [234], '<p>note to self</p>', 1546300800, 3),
      trigger: 'direct_message',
    });
    expect(payload).toHaveProperty('recipient_user_ids', [234]);
  });

  it('should build the remove payload', () => {
    expect(buildE2eeRemovePayload({ realm: appRealm, user: appSelf, messageIds: [123, 234] })).toEqual({
      realm_url: 'https://zulip.example.com/',
      realm_name: 'Example Organization',
      user_id: 234,
      type: 'remove',
      message_ids: [123, 234],
    });
  });
});

describe('E2EE plaintext details', () => {
  it('should leave out every legacy-only field', () => {
    const payload = buildE2eeMessagePayload({ ...dev, message: directMessage(47, 6, [6, 10], '<p>x</p>', 1), trigger: 'direct_message' });
    for (const key of ['server', 'realm_id', 'realm_uri', 'sender_email', 'event', 'zulip_message_id', 'stream', 'stream_id']) {
      expect(payload).not.toHaveProperty(key);
    }
  });

  it("should serialize compactly in Zulip's key order, like orjson.dumps", () => {
    const payload = buildE2eeMessagePayload({
      ...dev,
      message: channelMessage(45, 6, denmark, 'test', '<p>caf\u00e9 \u{1F600}</p>', 1754385395.9),
      channel: denmark,
      trigger: 'stream_push_notify',
    });
    expect(serializePlaintext(payload)).toBe(
      '{"realm_url":"http://zulip.testserver","realm_name":"Zulip Dev","user_id":10,"sender_id":6,' +
        '"recipient_type":"channel","channel_name":"Denmark","channel_id":10,"topic":"test","type":"message",' +
        `"message_id":45,"time":1754385395,"content":"caf\u00e9 \u{1F600}","sender_full_name":"aaron","sender_avatar_url":"${GRAVATAR}"}`,
    );
  });

  it('should truncate the content like the legacy payloads', () => {
    const payload = buildE2eeMessagePayload({
      ...dev,
      message: directMessage(47, 6, [6, 10], `<p>${'\u{1F600}'.repeat(201)}</p>`, 1),
      trigger: 'direct_message',
    });
    expect(payload.content).toBe('\u{1F600}'.repeat(200) + '\u2026');
  });
});
