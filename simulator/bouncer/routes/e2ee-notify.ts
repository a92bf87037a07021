/**
 * E2EE delivery: `push/e2ee/notify` (bouncer-protocol.md §6.3, §7.3). The bouncer sees only
 * realm, device ids and an opaque `encrypted_data`; it forwards the APNs payload verbatim and
 * FCM data as strings, expires devices the providers call dead, and reports which ids the
 * server should delete.
 */
import type { BouncerContext } from '../context';
import { parsePushRequests, type PushRequest } from '../delivery/e2ee-requests';
import { APNS_INVALID_TOKEN_REASONS, describeFcmFailure, handleApnsResult, isFcmUnregistered } from '../delivery/legacy-send';
import { decodeTokenId, encodeTokenId } from '../e2ee/token-id';
import { pushNotificationsDisallowed, tokenIdNotBase64 } from '../errors';
import { readJsonModel } from '../http/json-model';
import type { AuthedRequest, RouteDef } from '../http/route';
import { getPushStatusForRemoteRequest, pushStatusLogExtra, remoteRealmDict } from '../plan-gating';
import { FcmBatchError } from '../providers/fcm-client';
import type { RemotePushDevice } from '../store/e2ee-devices';
import type { RemoteRealm } from '../store/realms';
import { requireRemoteRealm } from './e2ee-register';

const NOTIFY_MODEL = {
  realm_uuid: { kind: 'str', required: true },
  push_requests: { kind: 'list', required: true },
} as const;

interface Target {
  request: PushRequest;
  device: RemotePushDevice;
  /** The request's device key, as reported back in the delete list. */
  key: string;
}

async function notify(req: AuthedRequest, ctx: BouncerContext): Promise<Record<string, unknown>> {
  const profile = ctx.config.e2eeProfile;
  const body = readJsonModel(req.body, NOTIFY_MODEL);
  const requests = parsePushRequests(body.push_requests, profile);
  const realm = requireRemoteRealm(req, ctx, body.realm_uuid as string);

  const status = getPushStatusForRemoteRequest(ctx, req.server, realm);
  req.setLogExtra(pushStatusLogExtra(status));
  if (!status.canPush) throw pushNotificationsDisallowed(status.message);
  ctx.counts.incrementRealmCount(realm, 'mobile_pushes_received::day', ctx.now(), requests.length);

  // Requested ids with no live device of this realm are reported for deletion without a send.
  // Each request's key is computed once; token ids are re-encoded so spellings of one id agree.
  let keys: string[];
  const byKey = new Map<string, RemotePushDevice>();
  if (profile === 11) {
    keys = requests.map((r) => String(r.id));
    for (const d of ctx.e2eeDevices.activeByDeviceIds(realm.id, requests.map((r) => r.id as number))) byKey.set(String(d.deviceId), d);
  } else {
    const ids = requests.map((r) => {
      const id = decodeTokenId(r.id as string);
      if (id === null) throw tokenIdNotBase64();
      return id;
    });
    keys = ids.map(encodeTokenId);
    for (const d of ctx.e2eeDevices.activeByTokenIds(realm.id, ids)) byKey.set(encodeTokenId(d.tokenId!), d);
  }
  const deleted = new Set<string>();
  const targets: Target[] = [];
  requests.forEach((request, i) => {
    const key = keys[i]!;
    const device = byKey.get(key);
    // A request shaped for the other provider than the device's kind: Zulip asserts (500); we
    // do not send it, and leave the device alone.
    if (!device) deleted.add(key);
    else if (device.tokenKind === request.kind) targets.push({ request, device, key });
  });

  const context = (t: Target) =>
    profile === 11
      ? `to (push_account_id=${t.request.kind === 'apns' ? String(t.request.payload.push_account_id) : t.request.data.push_account_id}, device=${t.device.token})`
      : `to (remote_realm=${realm.uuid}, device=${t.device.token})`;
  const expire = (t: Target) => {
    ctx.e2eeDevices.expire(t.device.deviceId, ctx.now());
    deleted.add(t.key);
  };

  const [appleOk, androidOk] = await Promise.all([
    sendApns(ctx, targets.filter((t) => t.request.kind === 'apns'), context, expire),
    sendFcm(ctx, targets.filter((t) => t.request.kind === 'fcm'), context, expire),
  ]);
  ctx.counts.incrementRealmCount(realm, 'mobile_pushes_forwarded::day', ctx.now(), appleOk + androidOk);

  const deleteIds = [...new Set(keys)].filter((k) => deleted.has(k));
  return {
    apple_successfully_sent_count: appleOk,
    android_successfully_sent_count: androidOk,
    ...(profile === 11 ? { delete_device_ids: deleteIds.map(Number) } : { delete_token_ids: deleteIds }),
    realm_push_status: remoteRealmDict(status),
  };
}

async function sendApns(ctx: BouncerContext, targets: Target[], context: (t: Target) => string, expire: (t: Target) => void): Promise<number> {
  if (targets.length === 0) return 0;
  const apns = ctx.providers.apns;
  const log = ctx.loggers.e2eePush;
  if (!apns) {
    log.error('APNs: Dropping push notifications since neither APNS_TOKEN_KEY_FILE nor APNS_CERT_FILE is set.');
    return 0;
  }
  const results = await Promise.all(
    targets.map((t) => {
      const r = t.request as Extract<PushRequest, { kind: 'apns' }>;
      return apns.send({ deviceToken: t.device.token, topic: t.device.iosAppId ?? '', payload: r.payload, priority: r.priority, pushType: r.pushType });
    }),
  );
  // get_info_from_apns_result is shared with the legacy path: its lines, the removal one
  // included, are zerver.lib.push_notifications'.
  const resultLog = ctx.loggers.push;
  let ok = 0;
  results.forEach((r, i) => {
    const t = targets[i]!;
    if (handleApnsResult(ctx, r, context(t))) ok += 1;
    else if (r.kind === 'failure' && APNS_INVALID_TOKEN_REASONS.has(r.reason)) {
      resultLog.info(`APNs: Removing invalid/expired token ${t.device.token} (${r.reason})`);
      expire(t);
    }
  });
  return ok;
}

async function sendFcm(ctx: BouncerContext, targets: Target[], context: (t: Target) => string, expire: (t: Target) => void): Promise<number> {
  if (targets.length === 0) return 0;
  const fcm = ctx.providers.fcm;
  const log = ctx.loggers.e2eePush;
  if (!fcm) {
    log.error('FCM: Dropping push notifications since ANDROID_FCM_CREDENTIALS_PATH is unset');
    return 0;
  }
  let results;
  try {
    results = await fcm.sendEach(
      targets.map((t) => {
        const r = t.request as Extract<PushRequest, { kind: 'fcm' }>;
        return { token: t.device.token, data: r.data, priority: r.priority };
      }),
    );
  } catch (e) {
    if (!(e instanceof FcmBatchError)) throw e;
    log.warn({ err: { type: e.name, message: e.message } }, 'Error while pushing to FCM');
    return 0;
  }
  let ok = 0;
  results.forEach((r, i) => {
    const t = targets[i]!;
    if (r.kind === 'success') {
      ok += 1;
      log.info(`FCM: Sent message with ID: ${r.name} ${context(t)}`);
    } else if (isFcmUnregistered(r)) {
      log.info(`FCM: Removing ${t.device.token} due to NOT_FOUND`);
      expire(t);
    } else {
      log.warn(`FCM: Delivery failed for ${context(t).slice(3)}: ${describeFcmFailure(r)}`);
    }
  });
  return ok;
}

export const e2eeNotifyRoutes: RouteDef[] = [
  { path: '/api/v1/remotes/push/e2ee/notify', auth: 'remote-server', methods: { POST: notify } },
];

