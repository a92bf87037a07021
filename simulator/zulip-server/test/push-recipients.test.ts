/**
 * Who a message notifies, and with which trigger (recipients.ts), on a seeded world without any
 * network: DMs, mentions, wildcards and their precedence, and the users who never get a push.
 */
import { renderMessage } from '../render';
import { pushRecipients } from '../push/recipients';
import { ServerState } from '../state';
import type { Message, MessageRecipient, Realm, User } from '../types';
import { World } from '../world';

const NOW = Date.UTC(2026, 0, 1, 12);
let state: ServerState;
let realm: Realm;
let humans: User[];
let bot: User;
let channelId: number;

beforeEach(() => {
  state = new ServerState(() => NOW);
  const world = new World(7, state, 'zulip.example.net', () => NOW);
  realm = world.addRealm({ channels: ['general'] });
  world.addRealm({ subdomain: 'elsewhere' });
  humans = state.usersOf(realm.id).filter((u) => !u.isBot);
  bot = state.usersOf(realm.id).find((u) => u.isBot)!;
  channelId = [...state.channels.values()].find((c) => c.realmId === realm.id)!.id;
});

function post(sender: User, recipient: MessageRecipient, markdown: string) {
  const { html, mentions } = renderMessage(markdown, state.usersOf(realm.id));
  const message: Message = state.addMessage({ realmId: realm.id, senderId: sender.id, recipient, renderedContent: html, dateSent: NOW / 1000 });
  return pushRecipients(state, message, mentions);
}
const dm = (...users: User[]): MessageRecipient => ({ type: 'direct', userIds: users.map((u) => u.id).sort((a, b) => a - b) });
const channel = (topic = 'lunch'): MessageRecipient => ({ type: 'channel', channelId, topic });

it('should notify every other participant of a (group) direct message', () => {
  const [s, a, b] = humans as [User, User, User];
  expect(post(s, dm(s, a), 'hi')).toEqual([{ userId: a.id, trigger: 'direct_message' }]);
  expect(post(s, dm(s, a, b), 'hi')).toEqual([
    { userId: a.id, trigger: 'direct_message' },
    { userId: b.id, trigger: 'direct_message' },
  ]);
  expect(post(s, dm(s), 'note to self')).toEqual([]);
});

it('should never notify bots or deactivated users', () => {
  const [s, a, b] = humans as [User, User, User];
  state.setUserActive(b.id, false);
  expect(post(s, dm(s, a, b, bot), 'hi')).toEqual([{ userId: a.id, trigger: 'direct_message' }]);
  expect(post(s, channel(), `@**${bot.fullName}** @**${b.fullName}** hi`)).toEqual([]);
  expect(post(s, channel(), '@**all** hi').map((r) => r.userId)).toEqual(humans.filter((u) => u !== s && u !== b).map((u) => u.id));
});

it('should notify mentioned users of a channel message, never the sender, and nobody without a mention', () => {
  const [s, a, b] = humans as [User, User, User];
  expect(post(s, channel(), 'no mention')).toEqual([]);
  expect(post(s, channel(), `@**${a.fullName}** and @**${s.fullName}**`)).toEqual([{ userId: a.id, trigger: 'mentioned' }]);
  expect(post(s, channel(), `@**${b.fullName}|${b.id}**`)).toEqual([{ userId: b.id, trigger: 'mentioned' }]);
  expect(post(s, channel(), `@_**${a.fullName}** silent`)).toEqual([]);
  expect(post(s, channel(), '@*support* a group (not modelled)')).toEqual([]);
});

it('should notify everyone else for channel wildcards, a direct mention taking precedence', () => {
  const [s, a] = humans as [User, User];
  for (const w of ['all', 'everyone', 'channel', 'stream']) {
    const r = post(s, channel(), `@**${w}** @**${a.fullName}**`);
    expect(r.map((x) => x.userId)).toEqual(humans.filter((u) => u !== s).map((u) => u.id));
    expect(r.find((x) => x.userId === a.id)!.trigger).toBe('mentioned');
    expect(r.filter((x) => x.userId !== a.id).every((x) => x.trigger === 'stream_wildcard_mentioned')).toBe(true);
  }
});

it('should notify only the topic participants for @**topic**, before the channel wildcard', () => {
  const [s, a, b, c] = humans as [User, User, User, User];
  post(a, channel('plans'), 'me');
  post(b, channel('PLANS'), 'me too'); // topics match case-insensitively
  post(c, channel('other'), 'elsewhere');
  expect(post(s, channel('plans'), '@**topic** ready?')).toEqual([
    { userId: a.id, trigger: 'topic_wildcard_mentioned' },
    { userId: b.id, trigger: 'topic_wildcard_mentioned' },
  ]);
  const both = post(s, channel('plans'), '@**topic** @**all**');
  expect(both.find((x) => x.userId === a.id)!.trigger).toBe('topic_wildcard_mentioned');
  expect(both.find((x) => x.userId === c.id)!.trigger).toBe('stream_wildcard_mentioned');
  // The sender's own earlier messages do not make them a recipient (s took part by now).
  expect(post(a, channel('plans'), '@**topic**').map((x) => x.userId)).toEqual([s.id, b.id].sort((x, y) => x - y));
});
