/**
 * Legacy delivery: `push/notify` and `push/test_notification` (bouncer-protocol.md §5).
 * Content passes through in memory only: nothing here logs or stores a payload field.
 */
import { TOKEN_KIND } from '../constants';
import type { BouncerContext } from '../context';
import { deviceNotRecognized, missingUserIdentity, planDisallowsOldServer, pushNotificationsDisallowed, requestVariableMissing } from '../errors';
import { identityLabel, sendLegacyApns, sendLegacyFcm } from '../delivery/legacy-send';
import { pythonStr } from '../delivery/python-str';
import { readJsonModel } from '../http/json-model';
import type { AuthedRequest, RouteDef } from '../http/route';
import { getPushStatusForRemoteRequest, pushStatusLogExtra, remoteRealmDict } from '../plan-gating';
import type { LegacyDevice, UserIdentity } from '../store/legacy-devices';
import { lookupRealmForServer, type RemoteRealm } from '../store/realms';
import type { RemoteServer } from '../store/servers';

type Dict = Record<string, unknown>;

/** RemoteServerNotificationPayload (extra keys ignored). */
const NOTIFY_MODEL = {
  user_id: { kind: 'int', nullable: true, default: null },
  user_uuid: { kind: 'str', nullable: true, default: null },
  realm_uuid: { kind: 'str', nullable: true, default: null },
  gcm_payload: { kind: 'dict', default: {} },
  apns_payload: { kind: 'dict', default: {} },
  gcm_options: { kind: 'dict', default: {} },
  android_devices: { kind: 'strList', default: [] },
  apple_devices: { kind: 'strList', default: [] },
} as const;

/** TestNotificationPayload, extra="forbid". */
const TEST_MODEL = {
  token: { kind: 'str', required: true },
  token_kind: { kind: 'int', required: true },
  user_id: { kind: 'int', required: true },
  user_uuid: { kind: 'str', required: true },
  realm_uuid: { kind: 'str', nullable: true, default: null },
  base_payload: { kind: 'dict', required: true },
} as const;

/**
 * The user's identity and realm. Zulip asserts where these are inconsistent (500); we answer
 * 400: no identity → "Missing user_id or user_uuid"; realm_uuid without user_uuid → missing user_uuid.
 */
function resolveUser(ctx: BouncerContext, req: AuthedRequest, userId: unknown, userUuid: unknown, realmUuid: unknown) {
  const identity: UserIdentity = { userId: userId as number | null, userUuid: userUuid as string | null };
  if (identity.userId == null && identity.userUuid == null) throw missingUserIdentity();
  let realm: RemoteRealm | null = null;
  if (realmUuid != null) {
    if (identity.userUuid == null) throw requestVariableMissing('user_uuid');
    realm = lookupRealmForServer(ctx, req.server, realmUuid as string, req.path);
  }
  return { identity, realm };
}

/** delete_duplicate_registrations: a token held by both an id-row and a uuid-row keeps the uuid-row. */
function dedupe(ctx: BouncerContext, server: RemoteServer, identity: Required<UserIdentity>, devices: LegacyDevice[], kind: number): LegacyDevice[] {
  const key = (t: string) => (kind === TOKEN_KIND.APNS ? t.toLowerCase() : t);
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(key(d.token), (counts.get(key(d.token)) ?? 0) + 1);
  const duplicated = new Set([...counts].filter(([, n]) => n > 1).map(([t]) => t));
  if (duplicated.size === 0) return devices;
  const tokens = devices.filter((d) => duplicated.has(key(d.token)) && d.userId !== null).map((d) => d.token);
  ctx.loggers.views.info(
    `Deduplicating push registrations for server id:${server.id} user id:${identity.userId} uuid:${identity.userUuid} and tokens:${pyList([...new Set(tokens)].sort())}`,
  );
  ctx.legacyDevices.deleteUserIdRows(server.id, identity.userId!, kind, tokens);
  return devices.filter((d) => !(duplicated.has(key(d.token)) && d.userId !== null));
}

const pyList = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** truncate_payload: a remove event keeps only the 200 largest message ids, ascending. */
export function truncateRemovePayload(payload: Dict): Dict {
  if (payload.event !== 'remove' || typeof payload.zulip_message_ids !== 'string' || payload.zulip_message_ids === '') return payload;
  const ids = payload.zulip_message_ids.split(',').map((s) => s.trim());
  // Zulip's int() would 500 on a non-integer id; we leave such a payload as it came.
  if (!ids.every((s) => /^[-+]?\d+$/.test(s))) return payload;
  const kept = ids.map(Number).sort((a, b) => a - b).slice(-200);
  return { ...payload, zulip_message_ids: kept.join(',') };
}

/** get_deleted_devices: tokens the server listed that the bouncer no longer holds for this user. */
function deletedDevices(ctx: BouncerContext, server: RemoteServer, identity: UserIdentity, android: string[], apple: string[]) {
  const haveAndroid = new Set(ctx.legacyDevices.listForUser(server.id, identity, TOKEN_KIND.FCM).map((d) => d.token));
  const haveApple = new Set(ctx.legacyDevices.listForUser(server.id, identity, TOKEN_KIND.APNS).map((d) => d.token.toLowerCase()));
  const androidGone = [...new Set(android.filter((t) => !haveAndroid.has(t)))].sort();
  // Apple tokens compare case-insensitively; a token listed in several casings keeps only its first.
  const firstCasing = new Map<string, string>();
  for (const t of apple) if (!firstCasing.has(t.toLowerCase())) firstCasing.set(t.toLowerCase(), t);
  const appleGone = new Set(apple.filter((t) => !haveApple.has(t.toLowerCase()) || firstCasing.get(t.toLowerCase()) !== t));
  return { android_devices: androidGone, apple_devices: [...appleGone].sort() };
}

async function notify(req: AuthedRequest, ctx: BouncerContext): Promise<Dict> {
  const p = readJsonModel(req.body, NOTIFY_MODEL);
  const server = req.server;
  const { identity, realm } = resolveUser(ctx, req, p.user_id, p.user_uuid, p.realm_uuid);

  const status = getPushStatusForRemoteRequest(ctx, server, realm);
  req.setLogExtra(pushStatusLogExtra(status));
  if (!status.canPush) {
    if (server.lastApiFeatureLevel === null) throw planDisallowsOldServer();
    throw pushNotificationsDisallowed(status.message);
  }

  let android = ctx.legacyDevices.listForUser(server.id, identity, TOKEN_KIND.FCM);
  let apple = ctx.legacyDevices.listForUser(server.id, identity, TOKEN_KIND.APNS);
  if (identity.userId != null && identity.userUuid != null) {
    const both = identity as Required<UserIdentity>;
    android = dedupe(ctx, server, both, android, TOKEN_KIND.FCM);
    apple = dedupe(ctx, server, both, apple, TOKEN_KIND.APNS);
  }
  const label = identityLabel(identity);
  ctx.loggers.views.info(
    `Sending mobile push notifications for remote user ${server.uuid}:${label}: ${android.length} via FCM devices, ${apple.length} via APNs devices`,
  );

  const now = ctx.now();
  const received = android.length + apple.length;
  ctx.counts.incrementInstallationCount(server, 'mobile_pushes_received::day', now, received);
  if (realm) {
    ctx.legacyDevices.setRemoteRealmForUser(server.id, identity, realm.id);
    ctx.counts.incrementRealmCount(realm, 'mobile_pushes_received::day', now, received);
    ctx.realms.touch(realm.id, now);
  }

  const gcmPayload = truncateRemovePayload(p.gcm_payload as Dict);
  const apnsPayload = { ...(p.apns_payload as Dict) };
  const custom = apnsPayload.custom as Dict | undefined;
  if (custom && typeof custom === 'object' && custom.zulip && typeof custom.zulip === 'object') {
    apnsPayload.custom = { ...custom, zulip: truncateRemovePayload(custom.zulip as Dict) };
  }

  const androidSent = await sendLegacyFcm(ctx, server, identity, android, gcmPayload, { ...(p.gcm_options as Dict) });
  const appleSent = await sendLegacyApns(ctx, server, identity, apple, apnsPayload);
  const forwarded = androidSent + appleSent;
  ctx.counts.incrementInstallationCount(server, 'mobile_pushes_forwarded::day', ctx.now(), forwarded);
  if (realm) ctx.counts.incrementRealmCount(realm, 'mobile_pushes_forwarded::day', ctx.now(), forwarded);

  return {
    total_android_devices: android.length,
    total_apple_devices: apple.length,
    deleted_devices: deletedDevices(ctx, server, identity, p.android_devices as string[], p.apple_devices as string[]),
    realm: realm ? remoteRealmDict(status) : null,
  };
}

async function testNotification(req: AuthedRequest, ctx: BouncerContext): Promise<Dict> {
  const p = readJsonModel(req.body, TEST_MODEL, { forbidExtra: true });
  const server = req.server;
  const identity: UserIdentity = { userId: p.user_id as number, userUuid: p.user_uuid as string };
  if (p.realm_uuid != null) {
    const realm = lookupRealmForServer(ctx, server, p.realm_uuid as string, req.path);
    if (realm) ctx.realms.touch(realm.id, ctx.now());
  }
  const kind = p.token_kind as number;
  const token = p.token as string;
  const device = ctx.legacyDevices
    .listForUser(server.id, identity, kind)
    .find((d) => (kind === TOKEN_KIND.APNS ? d.token.toLowerCase() === token.toLowerCase() : d.token === token));
  if (!device) throw deviceNotRecognized();

  // The bouncer formats test notifications itself, so it can change them without servers upgrading.
  const payload: Dict = { ...(p.base_payload as Dict), event: 'test' };
  const realmUrl = payload.realm_url ?? payload.realm_uri;
  // Zulip builds both payloads up front and 500s without these; we name what is missing.
  if (payload.realm_name === undefined) throw requestVariableMissing('realm_name');
  if (realmUrl === undefined) throw requestVariableMissing('realm_url');
  if (kind === TOKEN_KIND.APNS) {
    await sendLegacyApns(ctx, server, identity, [device], {
      alert: { title: 'Test notification', body: `This is a test notification from ${pythonStr(payload.realm_name)} (${pythonStr(realmUrl)}).` },
      sound: 'default',
      custom: { zulip: payload },
    });
  } else {
    await sendLegacyFcm(ctx, server, identity, [device], { ...payload, time: Math.floor(ctx.now()) }, { priority: 'high' });
  }
  return {};
}

export const notifyRoutes: RouteDef[] = [
  { path: '/api/v1/remotes/push/notify', auth: 'remote-server', methods: { POST: notify } },
  { path: '/api/v1/remotes/push/test_notification', auth: 'remote-server', methods: { POST: testNotification } },
];
