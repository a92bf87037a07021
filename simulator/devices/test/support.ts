/**
 * Shared fixtures for the phone tests: named personas, the real mock providers behind one CA,
 * the bouncer's own provider clients to push through them, payloads shaped as a Zulip server
 * builds them (server-and-app.md §A.3, §C), and an in-memory ZulipAccountApi that records calls.
 */
import fs from 'node:fs';
import { startMockApns, type MockApnsHandle } from '../../apns';
import { ApnsClient } from '../../bouncer/providers/apns-client';
import { FcmClient, type ServiceAccount } from '../../bouncer/providers/fcm-client';
import { VirtualClock } from '../../core/clock';
import { Journal } from '../../core/provider-mock/journal';
import { createCertificateAuthority } from '../../core/tls';
import { startMockFcm, type MockFcmHandle } from '../../fcm';
import type { ZulipAccount } from '../display';
import { AndroidPhone, IosPhone, type PlatformPhoneOptions, type ProviderSide } from '../phone';
import { encryptForPushKey, sodiumReady, type PushKey } from '../push-keys';
import type { E2ee11Registration, E2eeRegistration, LegacyRegistration, ZulipAccountApi } from '../zulip-api';

export const IOS_APP_ID = 'org.zulip.Zulip';
export const REALM_URL = 'https://chat.example.com';
export const REALM_NAME = 'Example Organization';
/** The phones' owner and the people who write to them. */
export const HAMLET = { id: 10, fullName: 'King Hamlet' };
export const OTHELLO = { id: 11, fullName: 'Othello, the Moor of Venice' };
export const IAGO = { id: 12, fullName: 'Iago' };
export const CORDELIA = { id: 13, fullName: 'Cordelia, Lear’s daughter' };
const avatar = (id: number) => `${REALM_URL}/avatar/${id}.png`;

export const account = (zulipFeatureLevel: number, overrides: Partial<ZulipAccount> = {}): ZulipAccount => ({
  realmUrl: REALM_URL,
  userId: HAMLET.id,
  zulipFeatureLevel,
  email: 'hamlet@example.com',
  ...overrides,
});

// ---------------------------------------------------------------------------------------------
// An in-memory Zulip server's device API

export type ApiCall =
  | { route: 'registerLegacy'; args: LegacyRegistration }
  | { route: 'unregisterLegacy'; args: { tokenKind: string; token: string } }
  | { route: 'registerClientDevice' }
  | { route: 'removeClientDevice'; deviceId: number }
  | { route: 'registerE2ee'; args: E2eeRegistration }
  | { route: 'registerE2ee11'; args: E2ee11Registration };

export class RecordingApi implements ZulipAccountApi {
  readonly calls: ApiCall[] = [];
  private nextDeviceId = 1;
  async registerLegacy(args: LegacyRegistration) {
    this.calls.push({ route: 'registerLegacy', args });
  }
  async unregisterLegacy(args: { tokenKind: 'apns' | 'fcm'; token: string }) {
    this.calls.push({ route: 'unregisterLegacy', args });
  }
  async registerClientDevice() {
    this.calls.push({ route: 'registerClientDevice' });
    return { deviceId: this.nextDeviceId++ };
  }
  async removeClientDevice(deviceId: number) {
    this.calls.push({ route: 'removeClientDevice', deviceId });
  }
  async registerE2ee(args: E2eeRegistration) {
    this.calls.push({ route: 'registerE2ee', args });
  }
  async registerE2ee11(args: E2ee11Registration) {
    this.calls.push({ route: 'registerE2ee11', args });
  }
}

/** A provider without a server: tokens from a counter, a real (empty) journal. */
export function fakeProvider(kind: 'apns' | 'fcm', clock = new VirtualClock()): ProviderSide & { scopes: string[] } {
  let n = 0;
  const scopes: string[] = [];
  return {
    scopes,
    journal: new Journal(kind, clock),
    createDevice(scope) {
      scopes.push(scope);
      n += 1;
      return { token: kind === 'apns' ? n.toString(16).padStart(64, 'a') : `fcm-token-${n}:APA91b` };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The real mocks, and the bouncer's clients pointed at them

export interface Providers {
  clock: VirtualClock;
  apns: MockApnsHandle;
  fcm: MockFcmHandle;
  apnsClient: ApnsClient;
  fcmClient: FcmClient;
  stop(): Promise<void>;
}

export async function startProviders(): Promise<Providers> {
  await sodiumReady();
  const clock = new VirtualClock();
  const ca = createCertificateAuthority('Phone tests CA');
  const [apns, fcm] = await Promise.all([startMockApns({ clock, ca, seed: 5, logLevel: 'silent' }), startMockFcm({ clock, ca, seed: 5, logLevel: 'silent' })]);
  const apnsClient = new ApnsClient(
    { url: apns.url, caPem: apns.caCertPem, teamId: apns.teamId, keyId: apns.keyId, keyPem: fs.readFileSync(apns.keyFile, 'utf8') },
    clock,
  );
  const serviceAccount = { ...(JSON.parse(fs.readFileSync(fcm.serviceAccountFile, 'utf8')) as ServiceAccount), token_uri: fcm.tlsTokenUri };
  const fcmClient = new FcmClient({ url: fcm.tlsUrl, caPem: fcm.caCertPem, serviceAccount }, clock);
  return {
    clock,
    apns,
    fcm,
    apnsClient,
    fcmClient,
    async stop() {
      apnsClient.close();
      fcmClient.close();
      await Promise.all([apns.stop(), fcm.stop()]);
    },
  };
}

type PhoneOpts = Partial<Omit<PlatformPhoneOptions, 'provider' | 'appScope' | 'clock'>>;

export function iosPhone(p: Providers, opts: PhoneOpts = {}): IosPhone {
  return new IosPhone({ label: "Hamlet's iPhone", provider: p.apns, appScope: IOS_APP_ID, account: account(400), api: new RecordingApi(), clock: p.clock, ...opts });
}

export function androidPhone(p: Providers, opts: PhoneOpts = {}): AndroidPhone {
  return new AndroidPhone({ label: "Hamlet's Pixel", provider: p.fcm, appScope: p.fcm.projectId, account: account(400), api: new RecordingApi(), clock: p.clock, ...opts });
}

/** The bouncer's APNs send; fails the test unless the mock accepts it. */
export async function pushApns(p: Providers, token: string, payload: unknown, opts: { pushType?: string; priority?: 10 | 5 } = {}): Promise<void> {
  const r = await p.apnsClient.send({ deviceToken: token, topic: IOS_APP_ID, payload, pushType: opts.pushType ?? 'alert', priority: opts.priority ?? 10 });
  if (r.kind !== 'success') throw new Error(`APNs refused the push: ${JSON.stringify(r)}`);
}

/** The bouncer's FCM send (values stringified as the bouncer does). */
export async function pushFcm(p: Providers, token: string, data: Record<string, unknown>, priority: 'high' | 'normal' = 'high'): Promise<void> {
  const strData = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
  const [r] = await p.fcmClient.sendEach([{ token, data: strData, priority }]);
  if (r?.kind !== 'success') throw new Error(`FCM refused the push: ${JSON.stringify(r)}`);
}

// ---------------------------------------------------------------------------------------------
// Conversations and what a server sends for them

export type Conversation =
  | { kind: 'channel'; channelId: number; channelName: string; topic: string }
  | { kind: 'dm' }
  | { kind: 'group-dm'; others: (typeof HAMLET)[] };

export const DENMARK: Conversation = { kind: 'channel', channelId: 42, channelName: 'Denmark', topic: 'castle walls' };
export const DM: Conversation = { kind: 'dm' };
export const GROUP_DM: Conversation = { kind: 'group-dm', others: [IAGO, CORDELIA] };

export interface MessageSpec {
  conversation: Conversation;
  sender?: typeof HAMLET;
  messageId: number;
  content: string;
  realmUrl?: string;
  userId?: number;
}

const participants = (m: MessageSpec) => {
  const sender = m.sender ?? OTHELLO;
  const people = m.conversation.kind === 'group-dm' ? [sender, HAMLET, ...m.conversation.others] : [sender, HAMLET];
  return { sender, people, ids: people.map((u) => u.id).sort((a, b) => a - b) };
};

/** §C.4 / bouncer: `{zulip: {...}, aps: {alert, sound, badge}}` for a legacy message. */
export function legacyApnsMessage(m: MessageSpec): Record<string, unknown> {
  const { sender, people } = participants(m);
  const c = m.conversation;
  const title = c.kind === 'channel' ? `#${c.channelName} > ${c.topic}` : c.kind === 'group-dm' ? people.map((u) => u.fullName).sort().join(', ') : sender.fullName;
  const subtitle = c.kind === 'dm' ? '' : `${sender.fullName}:`;
  const realmUrl = m.realmUrl ?? REALM_URL;
  const recipient =
    c.kind === 'channel'
      ? { recipient_type: 'stream', stream: c.channelName, stream_id: c.channelId, topic: c.topic }
      : { recipient_type: 'private', ...(c.kind === 'group-dm' ? { pm_users: participants(m).ids.join(',') } : {}) };
  return {
    zulip: {
      realm_uri: realmUrl,
      realm_url: realmUrl,
      realm_name: REALM_NAME,
      user_id: m.userId ?? HAMLET.id,
      sender_id: sender.id,
      sender_email: `user${sender.id}@example.com`,
      ...recipient,
      message_ids: [m.messageId],
    },
    aps: { alert: { title, subtitle, body: m.content }, sound: 'default', badge: 0 },
  };
}

/** §C.3: the FCM data of a legacy message (before stringification). */
export function legacyFcmMessage(m: MessageSpec): Record<string, unknown> {
  const { sender, ids } = participants(m);
  const c = m.conversation;
  const realmUrl = m.realmUrl ?? REALM_URL;
  const recipient =
    c.kind === 'channel'
      ? { recipient_type: 'stream', stream: c.channelName, stream_id: c.channelId, topic: c.topic }
      : { recipient_type: 'private', ...(c.kind === 'group-dm' ? { pm_users: ids.join(',') } : {}) };
  return {
    server: 'chat.example.com',
    realm_id: 2,
    realm_uri: realmUrl,
    realm_url: realmUrl,
    realm_name: REALM_NAME,
    user_id: m.userId ?? HAMLET.id,
    sender_id: sender.id,
    sender_email: `user${sender.id}@example.com`,
    ...recipient,
    event: 'message',
    zulip_message_id: m.messageId,
    time: 1_767_268_800,
    content: m.content,
    sender_full_name: sender.fullName,
    sender_avatar_url: avatar(sender.id),
  };
}

export const legacyFcmRemove = (ids: number[], userId = HAMLET.id) => ({
  server: 'chat.example.com',
  realm_id: 2,
  realm_uri: REALM_URL,
  realm_url: REALM_URL,
  realm_name: REALM_NAME,
  user_id: userId,
  event: 'remove',
  zulip_message_ids: ids.join(','),
});

export const legacyApnsRemove = (ids: number[]) => ({
  zulip: { realm_uri: REALM_URL, realm_url: REALM_URL, realm_name: REALM_NAME, user_id: HAMLET.id, event: 'remove', zulip_message_ids: ids.join(',') },
  aps: { badge: 0 },
});

/** §A.3 / §A.4 (FL 429+): the plaintext a 12.x server encrypts for a message (orjson: compact). */
export function e2eeMessagePlaintext(m: MessageSpec): string {
  const { sender, ids } = participants(m);
  const c = m.conversation;
  const recipient =
    c.kind === 'channel'
      ? { recipient_type: 'channel', channel_id: c.channelId, channel_name: c.channelName, topic: c.topic }
      : { recipient_type: 'direct', recipient_user_ids: ids };
  return JSON.stringify({
    realm_url: m.realmUrl ?? REALM_URL,
    realm_name: REALM_NAME,
    user_id: m.userId ?? HAMLET.id,
    sender_id: sender.id,
    ...recipient,
    type: 'message',
    message_id: m.messageId,
    time: 1_767_268_800,
    content: m.content,
    sender_full_name: sender.fullName,
    sender_avatar_url: avatar(sender.id),
  });
}

export const e2eeRemovePlaintext = (ids: number[]) =>
  JSON.stringify({ realm_url: REALM_URL, realm_name: REALM_NAME, user_id: HAMLET.id, type: 'remove', message_ids: ids });

export const e2eeTestPlaintext = () => JSON.stringify({ realm_url: REALM_URL, realm_name: REALM_NAME, user_id: HAMLET.id, type: 'test', time: 1_767_268_800 });

/** §B.2: the APNs payload of an E2EE push (12.x aps; removals carry no alert). */
export function e2eeApnsPayload(key: Pick<PushKey, 'id' | 'material'>, plaintext: string, opts: { removal?: boolean } = {}): Record<string, unknown> {
  const aps = opts.removal ? { 'mutable-content': 1 } : { 'mutable-content': 1, alert: { title: 'New notification' }, sound: 'default' };
  return { push_key_id: key.id, encrypted_data: encryptForPushKey(key.material, plaintext), aps };
}

/** §B.2: the FCM data of an E2EE push (the bouncer stringifies push_key_id). */
export const e2eeFcmData = (key: Pick<PushKey, 'id' | 'material'>, plaintext: string) => ({
  push_key_id: String(key.id),
  encrypted_data: encryptForPushKey(key.material, plaintext),
});
