/**
 * Fixtures for the legacy delivery tests (push/notify, push/test_notification; bouncer-protocol.md
 * §5, §7): the embedded stack (bouncer + mock APNs over HTTP/2+TLS + mock FCM over TLS, one
 * virtual clock), a registered Zulip server with an uploaded realm, users whose phones are
 * registered through the real push/register endpoint, and payloads shaped like the ones a
 * real Zulip server builds (server-and-app.md §C).
 */
import crypto from 'node:crypto';
import { startEmbeddedStack, type Stack, type StackOptions } from '../../../harness/stack/embedded';
import type { MockApnsHandle } from '../../apns';
import { VirtualClock } from '../../core/clock';
import type { LogLine } from '../../core/logging';
import type { MockFcmHandle } from '../../fcm';
import { auditRow, realmFixture, roleCount, upload, type RealmFixture } from './analytics-fixtures';
import { PUSH_REGISTER, type DeviceRow, devices } from './push-register-support';
import { call, registerServer, type CallResult, type ServerIdentity, type TestBouncer } from './support';

export const NOTIFY = '/api/v1/remotes/push/notify';
export const TEST_NOTIFICATION = '/api/v1/remotes/push/test_notification';
/** The loggers of §12: the views and the provider senders. */
export const VIEWS = 'zilencer.views';
export const PUSH = 'zerver.lib.push_notifications';
export const REQUESTS = 'zulip.requests';
/** An app bundle id the mock APNs serves (its default topics). */
export const ZULIP_IOS_APP = 'org.zulip.Zulip';
export const FLUTTER_IOS_APP = 'com.zulip.flutter';

export const TOKEN_KIND = { APNS: 1, FCM: 2 } as const;

export interface NotifyWorld {
  stack: Stack;
  /** The stack's bouncer, typed for the shared fixtures (its clock is the stack's VirtualClock). */
  bouncer: TestBouncer;
  clock: VirtualClock;
  apns: MockApnsHandle;
  fcm: MockFcmHandle;
  stop(): Promise<void>;
}

export async function startNotifyStack(options: StackOptions = {}): Promise<NotifyWorld> {
  const stack = await startEmbeddedStack({ clock: 'virtual', ...options });
  if (!(stack.clock instanceof VirtualClock)) throw new Error('the notify tests need a virtual clock');
  return {
    stack,
    bouncer: stack.bouncer as TestBouncer,
    clock: stack.clock,
    apns: stack.apns,
    fcm: stack.fcm,
    stop: () => stack.stop(),
  };
}

/** The bouncer's clock, in Unix seconds (whole seconds: the virtual clock starts on one). */
export const nowSeconds = (w: NotifyWorld) => w.clock.now() / 1000;

// --- a Zulip server and its realm -------------------------------------------------------------

export interface ZulipServer {
  identity: ServerIdentity;
  realm: RealmFixture;
  /** settings.EXTERNAL_HOST, as `server` in FCM payloads. */
  host: string;
  /** The API feature level its analytics uploads report; null until it uploads (a pre-8.0 server). */
  featureLevel: number | null;
  /** The next RealmAuditLog id this server uploads (ids must grow). */
  nextAuditId: number;
}

export interface ServerSetup {
  /**
   * The API feature level the server reports in its analytics upload; null: it never uploads
   * analytics at all (a pre-8.0 server: no feature level, no realms, no user counts).
   */
  featureLevel?: number | null;
  /** Humans in the realm's role-count audit row; null: no audit rows are uploaded ("Missing data"). */
  humans?: number | null;
}

/** Registers a server and (unless featureLevel is null) uploads its realm like a Zulip 8.0+ server. */
export async function setUpServer(w: NotifyWorld, setup: ServerSetup = {}): Promise<ZulipServer> {
  const identity = await registerServer(w.bouncer);
  const realm = realmFixture({ name: 'Zulip Dev', id: 2 });
  const server: ZulipServer = { identity, realm, host: identity.hostname, featureLevel: null, nextAuditId: 1 };
  const featureLevel = setup.featureLevel === undefined ? 400 : setup.featureLevel;
  if (featureLevel !== null) await uploadAnalytics(w, server, { featureLevel, humans: setup.humans === undefined ? 5 : setup.humans });
  return server;
}

/**
 * POST server/analytics as send_server_data_to_push_bouncer does: the realm, the server's
 * feature level (changed if given) and, unless `humans` is null or absent, a role-count audit
 * row saying the realm now has that many humans.
 */
export async function uploadAnalytics(w: NotifyWorld, server: ZulipServer, opts: { featureLevel?: number; humans?: number | null } = {}): Promise<void> {
  if (opts.featureLevel !== undefined) server.featureLevel = opts.featureLevel;
  const fields: Record<string, unknown> = { realms: [server.realm], version: '11.0', merge_base: '11.0', api_feature_level: server.featureLevel };
  if (opts.humans != null) fields.realmauditlog_rows = [humansAuditRow(w, server, opts.humans)];
  await expectOk(upload(w.bouncer, server.identity, fields), 'analytics upload');
}

/** The realm now has `humans` humans (a newer role-count audit row). */
export const setHumans = (w: NotifyWorld, server: ZulipServer, humans: number) => uploadAnalytics(w, server, { humans });

function humansAuditRow(w: NotifyWorld, server: ZulipServer, humans: number) {
  // One owner, the rest members: guests would count the same (§8).
  const roles = humans === 0 ? {} : { owners: 1, members: humans - 1 };
  return auditRow(server.nextAuditId++, server.realm.id, roleCount(roles), { eventTime: nowSeconds(w) - 600 });
}

async function expectOk(res: Promise<CallResult>, what: string): Promise<CallResult> {
  const r = await res;
  if (r.status !== 200) throw new Error(`${what} failed: ${r.status} ${r.text}`);
  return r;
}

// --- users and their phones -------------------------------------------------------------------

export interface ZulipUser {
  id: number;
  uuid: string;
  fullName: string;
  email: string;
}

let userCounter = 9;
export function newUser(overrides: Partial<ZulipUser> = {}): ZulipUser {
  userCounter += 1;
  return {
    id: userCounter,
    uuid: crypto.randomUUID(),
    fullName: `User ${userCounter}`,
    email: `user${userCounter}@zulip.example.net`,
    ...overrides,
  };
}

export interface DeviceRegistration {
  /** Which identity the server sends: legacy `user_id`, `user_uuid`, or both (8.0+ servers). */
  identity?: 'id' | 'uuid' | 'both';
  /** Send the realm's uuid (8.0+); default true unless identity is 'id'. */
  withRealm?: boolean;
  /** APNs only: the app id sent (default: the mock device's topic). */
  iosAppId?: string;
}

/** POST push/register for one token, as a Zulip server does (values as strings, plus server_uuid). */
export async function registerToken(
  w: NotifyWorld,
  server: ZulipServer,
  user: ZulipUser,
  kind: 'apns' | 'fcm',
  token: string,
  opts: DeviceRegistration = {},
): Promise<void> {
  const identity = opts.identity ?? 'both';
  const form: Record<string, string> = {
    token,
    token_kind: String(kind === 'apns' ? TOKEN_KIND.APNS : TOKEN_KIND.FCM),
    server_uuid: server.identity.uuid,
  };
  if (identity !== 'uuid') form.user_id = String(user.id);
  if (identity !== 'id') form.user_uuid = user.uuid;
  if (opts.withRealm ?? identity !== 'id') form.realm_uuid = server.realm.uuid;
  if (kind === 'apns') form.ios_app_id = opts.iosAppId ?? ZULIP_IOS_APP;
  await expectOk(call(w.bouncer, 'POST', PUSH_REGISTER, { form, auth: server.identity }), 'push/register');
}

/** An Android phone installs the app (mock FCM token) and registers it with the bouncer. */
export async function addFcmPhone(w: NotifyWorld, server: ZulipServer, user: ZulipUser, opts: DeviceRegistration = {}): Promise<string> {
  const { token } = w.fcm.createDevice();
  await registerToken(w, server, user, 'fcm', token, opts);
  return token;
}

/** An iPhone installs the app (mock APNs token for `topic`) and registers it with the bouncer. */
export async function addApnsPhone(
  w: NotifyWorld,
  server: ZulipServer,
  user: ZulipUser,
  opts: DeviceRegistration & { topic?: string } = {},
): Promise<string> {
  const topic = opts.topic ?? ZULIP_IOS_APP;
  const { token } = w.apns.createDevice(topic);
  await registerToken(w, server, user, 'apns', token, { iosAppId: topic, ...opts });
  return token;
}

/** A well-formed APNs token the mock never issued (what a token of the other environment looks like). */
export const unknownApnsToken = () => crypto.randomBytes(32).toString('hex');

// --- payloads, as a Zulip server builds them (server-and-app.md §C) ---------------------------

export interface Payloads {
  gcm_payload: Record<string, unknown>;
  gcm_options: Record<string, unknown>;
  apns_payload: Record<string, unknown>;
}

/** get_base_payload(for_legacy_clients=True) (§C.1). */
export function basePayload(server: ZulipServer, user: ZulipUser): Record<string, unknown> {
  return {
    server: server.host,
    realm_id: server.realm.id,
    realm_uri: server.realm.url,
    realm_url: server.realm.url,
    realm_name: server.realm.name,
    user_id: user.id,
  };
}

export interface MessageSpec {
  sender: ZulipUser;
  content: string;
  messageId: number;
  /** date_sent, Unix seconds. */
  time: number;
  /** A channel message (default: a 1:1 direct message). */
  stream?: { name: string; id: number; topic: string };
}

/** A message notification: get_message_payload_gcm / get_message_payload_apns (§C.2–§C.4). */
export function messagePayloads(server: ZulipServer, user: ZulipUser, m: MessageSpec): Payloads {
  const base = basePayload(server, user);
  const recipient: Record<string, unknown> = m.stream
    ? { recipient_type: 'stream', stream: m.stream.name, stream_id: m.stream.id, topic: m.stream.topic }
    : { recipient_type: 'private' };
  const common: Record<string, unknown> = { ...base, sender_id: m.sender.id, sender_email: m.sender.email, ...recipient };
  const { server: _server, realm_id: _realmId, ...apnsCommon } = common;
  return {
    gcm_payload: {
      ...common,
      event: 'message',
      zulip_message_id: m.messageId,
      time: m.time,
      content: m.content,
      sender_full_name: m.sender.fullName,
      sender_avatar_url: `${server.realm.url}/avatar/${m.sender.id}`,
    },
    gcm_options: { priority: 'high' },
    apns_payload: {
      alert: {
        title: m.stream ? `#${m.stream.name} > ${m.stream.topic}` : m.sender.fullName,
        subtitle: m.stream ? `${m.sender.fullName}:` : '',
        body: m.content,
      },
      sound: 'default',
      badge: 0,
      custom: { zulip: { ...apnsCommon, message_ids: [m.messageId] } },
    },
  };
}

/** handle_remove_push_notification (§C.5). */
export function removePayloads(server: ZulipServer, user: ZulipUser, messageIds: number[]): Payloads {
  const ids = messageIds.join(',');
  const { server: _server, realm_id: _realmId, ...apnsBase } = basePayload(server, user);
  return {
    gcm_payload: { ...basePayload(server, user), event: 'remove', zulip_message_ids: ids },
    gcm_options: { priority: 'normal' },
    apns_payload: { badge: 0, custom: { zulip: { ...apnsBase, event: 'remove', zulip_message_ids: ids } } },
  };
}

export interface NotifyOptions {
  /** Which identity fields are sent (default both, like an 8.0+ server). */
  identity?: 'id' | 'uuid' | 'both';
  /** Send realm_uuid (default: yes unless identity is 'id'). */
  withRealm?: boolean;
  androidDevices?: string[];
  appleDevices?: string[];
}

/** The body of push/notify as send_notifications_to_bouncer builds it. */
export function notifyBody(server: ZulipServer, user: ZulipUser, payloads: Payloads, opts: NotifyOptions = {}): Record<string, unknown> {
  const identity = opts.identity ?? 'both';
  const body: Record<string, unknown> = {};
  if (identity !== 'id') body.user_uuid = user.uuid;
  if (identity !== 'uuid') body.user_id = user.id;
  if (opts.withRealm ?? identity !== 'id') body.realm_uuid = server.realm.uuid;
  Object.assign(body, payloads);
  body.android_devices = opts.androidDevices ?? [];
  body.apple_devices = opts.appleDevices ?? [];
  return body;
}

export const notify = (w: NotifyWorld, server: ZulipServer, body: unknown) =>
  call(w.bouncer, 'POST', NOTIFY, { json: body, auth: server.identity });

export const testNotification = (w: NotifyWorld, server: ZulipServer, body: unknown) =>
  call(w.bouncer, 'POST', TEST_NOTIFICATION, { json: body, auth: server.identity });

/** The body of push/test_notification as a Zulip 8.0+ server sends it. */
export function testNotificationBody(server: ZulipServer, user: ZulipUser, kind: 'apns' | 'fcm', token: string): Record<string, unknown> {
  return {
    token,
    token_kind: kind === 'apns' ? TOKEN_KIND.APNS : TOKEN_KIND.FCM,
    user_id: user.id,
    user_uuid: user.uuid,
    realm_uuid: server.realm.uuid,
    base_payload: basePayload(server, user),
  };
}

// --- what to assert on ------------------------------------------------------------------------

export const success = (extra: Record<string, unknown> = {}) => ({ status: 200, body: { result: 'success', msg: '', ...extra } });
export const error = (status: number, code: string, msg: string) => ({ status, body: { result: 'error', msg, code } });
export const statusAndBody = (r: CallResult) => ({ status: r.status, body: r.body });

/** A position in the bouncer's log; `logSince` returns what came after it. */
export const logMark = (w: NotifyWorld) => w.bouncer.logLines().length;

export function logSince(w: NotifyWorld, mark: number, loggers: string[] = [VIEWS, PUSH]): Pick<LogLine, 'level' | 'logger' | 'msg'>[] {
  return w.bouncer
    .logLines()
    .slice(mark)
    .filter((l) => l.logger !== undefined && loggers.includes(l.logger))
    .map((l) => ({ level: l.level, logger: l.logger, msg: l.msg }));
}

export const LEVEL = { DEBUG: 20, INFO: 30, WARNING: 40, ERROR: 50 } as const;
export const info = (logger: string, msg: string) => ({ level: LEVEL.INFO, logger, msg });
export const warning = (logger: string, msg: string) => ({ level: LEVEL.WARNING, logger, msg });
export const errorLine = (logger: string, msg: string) => ({ level: LEVEL.ERROR, logger, msg });

/** The access-log line of the latest request this server made. */
export function lastAccessLine(w: NotifyWorld, server: ZulipServer): string {
  const lines = w.bouncer
    .logLines()
    .filter((l) => l.logger === REQUESTS && l.msg.includes(`(zulip-server:${server.identity.uuid} via`));
  return lines.at(-1)?.msg ?? '';
}

/** `<id:10><uuid:…>`: UserPushIdentityCompat as Zulip logs it. */
export const identityOf = (user: ZulipUser, parts: 'id' | 'uuid' | 'both' = 'both') =>
  `${parts !== 'uuid' ? `<id:${user.id}>` : ''}${parts !== 'id' ? `<uuid:${user.uuid}>` : ''}`;

/** The server's RemotePushDeviceToken rows, oldest first. */
export const deviceRows = (w: NotifyWorld, server: ZulipServer): DeviceRow[] => devices(w.bouncer, server.identity);

/** The tokens of the server's rows (kind 1 APNs, 2 FCM). */
export const tokensOf = (w: NotifyWorld, server: ZulipServer, kind?: number) =>
  deviceRows(w, server)
    .filter((d) => kind === undefined || d.kind === kind)
    .map((d) => d.token);

export function serverRow(w: NotifyWorld, server: ZulipServer) {
  return w.bouncer.query<{ id: number; last_request_datetime: number | null }>(
    'SELECT id, last_request_datetime FROM remote_zulip_server WHERE uuid = ?',
    server.identity.uuid,
  )[0]!;
}

export function realmRow(w: NotifyWorld, server: ZulipServer) {
  return w.bouncer.query<{ id: number; last_request_datetime: number | null }>(
    'SELECT id, last_request_datetime FROM remote_realm WHERE uuid = ?',
    server.realm.uuid,
  )[0];
}

/** The bouncer-generated push counts (remote_id NULL) of this server and of its realm. */
export function pushCounts(w: NotifyWorld, server: ZulipServer) {
  const installation = w.bouncer.query<{ property: string; subgroup: string | null; end_time: number; value: number }>(
    `SELECT c.property, c.subgroup, c.end_time, c.value FROM remote_installation_count c
     JOIN remote_zulip_server s ON s.id = c.server_id
     WHERE s.uuid = ? AND c.remote_id IS NULL ORDER BY c.property`,
    server.identity.uuid,
  );
  const realm = w.bouncer.query<{ property: string; subgroup: string | null; end_time: number; value: number; realm_id: number | null }>(
    `SELECT c.property, c.subgroup, c.end_time, c.value, c.realm_id FROM remote_realm_count c
     JOIN remote_realm r ON r.id = c.remote_realm_id
     WHERE r.uuid = ? AND c.remote_id IS NULL ORDER BY c.property`,
    server.realm.uuid,
  );
  return { installation, realm };
}

/** The next UTC midnight after `seconds` (the end_time of a `::day` stat). */
export const nextMidnight = (seconds: number) => Math.ceil(seconds / 86_400) * 86_400;

/** A parsed FCM request body, as the mock received it. */
export function fcmMessageOf(entry: { request: { body: string } }): { token: string; data: Record<string, string>; android: { priority: string } } {
  return (JSON.parse(entry.request.body) as { message: { token: string; data: Record<string, string>; android: { priority: string } } }).message;
}

/** A parsed APNs request body, as the mock received it. */
export const apnsPayloadOf = (entry: { request: { body: string } }) => JSON.parse(entry.request.body) as Record<string, unknown>;
