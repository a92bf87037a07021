/**
 * Model objects for the payload tests. Two worlds: `spec*` reproduces the values of the
 * server-and-app.md §C.3 / §A.4 examples (Zulip's dev realm), `app*` those of §A.3 (the
 * zulip-flutter test data), `hamlet*` the bouncer-protocol.md §5.1 example.
 */
import { ROLE, type Channel, type Message, type Realm, type User } from '../../types';

export function realm(over: Partial<Realm> = {}): Realm {
  return {
    id: 2,
    uuid: '7e2f5f34-4a9c-4a57-9a39-1c2b3d4e5f60',
    uuidOwnerSecret: 'zuliprealm_owner_secret',
    host: 'zulip.example.com',
    url: 'https://zulip.example.com',
    name: 'Example',
    orgType: 0,
    dateCreated: 1700000000,
    authenticationMethods: { Email: true },
    deactivated: false,
    isSystemBotRealm: false,
    requireE2eePushNotifications: false,
    pushNotificationsEnabled: true,
    pushNotificationsEnabledEndTimestamp: null,
    ...over,
  };
}

export function user(id: number, fullName: string, over: Partial<User> = {}): User {
  return {
    id,
    uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    realmId: 2,
    email: `${fullName.toLowerCase().replace(/[^a-z]+/g, '')}@example.com`,
    fullName,
    role: ROLE.MEMBER,
    isBot: false,
    avatarUrl: `https://zulip.example.com/avatar/${id}.png`,
    isActive: true,
    ...over,
  };
}

export function channelMessage(id: number, senderId: number, channel: Channel, topic: string, html: string, dateSent: number): Message {
  return { id, realmId: channel.realmId, senderId, recipient: { type: 'channel', channelId: channel.id, topic }, renderedContent: html, dateSent };
}

export function directMessage(id: number, senderId: number, userIds: number[], html: string, dateSent: number, realmId = 2): Message {
  return { id, realmId, senderId, recipient: { type: 'direct', userIds }, renderedContent: html, dateSent };
}

// --- §C.3 / §A.4: Zulip's dev realm ------------------------------------------------------------

export const specRealm = realm({ url: 'https://zulip.example.com', name: 'Example' });
export const devRealm = realm({ host: 'zulip.testserver', url: 'http://zulip.testserver', name: 'Zulip Dev' });
export const GRAVATAR = 'https://secure.gravatar.com/avatar/0a1b2c3d4e5f60718293a4b5c6d7e8f9?d=identicon&version=1';
export const aaron = user(6, 'aaron', { email: 'aaron@example.com', avatarUrl: GRAVATAR });
export const testUser = user(10, 'Iago');
export const cordelia = user(12, 'Cordelia, Lear\u2019s daughter');
export const othello = user(15, 'Othello, the Moor of Venice');
export const denmark: Channel = { id: 10, realmId: 2, name: 'Denmark' };

// --- §A.3: zulip-flutter's test data -------------------------------------------------------------

export const appRealm = realm({ id: 3, host: 'zulip.example.com', url: 'https://zulip.example.com/', name: 'Example Organization' });
export const appSender = user(123, 'A Sender', { realmId: 3, avatarUrl: 'https://zulip.example.com/avatar/123.jpeg' });
export const appSelf = user(234, 'Self User', { realmId: 3 });
export const appThird = user(345, 'Third User', { realmId: 3 });
export const appChannel: Channel = { id: 42, realmId: 3, name: 'denmark' };

// --- bouncer-protocol.md §5.1 ---------------------------------------------------------------------

export const hamlet = user(5, 'King Hamlet', { email: 'hamlet@zulip.example.com', avatarUrl: 'https://zulip.example.com/avatar/5.png' });
export const iago = user(10, 'Iago', { email: 'iago@zulip.example.com' });
