/**
 * Legacy sends to FCM and APNs in remote mode (bouncer-protocol.md §7.1–§7.2; Zulip's
 * send_android_push_notification / send_apple_push_notification). Log lines are Zulip's,
 * verbatim: tokens, identities and provider ids appear; payload content never does.
 * Each returns how many devices the provider accepted.
 */
import { TOKEN_KIND } from '../constants';
import type { BouncerContext } from '../context';
import { badRequest } from '../errors';
import type { ApnsResult } from '../providers/apns-client';
import { FcmBatchError, type FcmResult } from '../providers/fcm-client';
import type { LegacyDevice, UserIdentity } from '../store/legacy-devices';
import type { RemoteServer } from '../store/servers';
import { pythonRepr, pythonStr } from './python-str';


/** UserPushIdentityCompat.__str__: `<id:10><uuid:…>`, only the parts present. */
export function identityLabel(identity: UserIdentity): string {
  return `${identity.userId != null ? `<id:${identity.userId}>` : ''}${identity.userUuid != null ? `<uuid:${identity.userUuid}>` : ''}`;
}

/**
 * parse_fcm_options: `priority` alone is allowed; absent or None, it follows the event ("high"
 * for messages). Strict about anything else: a newer server never talks to an older bouncer.
 */
export function parseFcmOptions(options: Record<string, unknown>, data: Record<string, unknown>): 'high' | 'normal' {
  const { priority: given, ...rest } = options;
  // options.pop("priority", None), then `if priority is None`: an explicit null is inferred too.
  const priority = given ?? (data.event === 'message' ? 'high' : 'normal');
  if (priority !== 'high' && priority !== 'normal') {
    throw badRequest(`Invalid GCM option to bouncer: priority ${pythonRepr(priority)}`);
  }
  if (Object.keys(rest).length > 0) throw badRequest(`Invalid GCM options to bouncer: ${JSON.stringify(rest)}`);
  return priority;
}

/**
 * firebase_admin's exception classes, as Python prints them: `%s` of a class names the module
 * that defines it, so the messaging errors print as `_messaging_utils` (messaging.py only
 * re-exports them). FCM's own errorCodes map to the
 * messaging errors (_MessagingService.FCM_ERROR_TYPES); anything else falls back to the
 * google.rpc status (or, without one, the HTTP status), as _utils.handle_requests_error does.
 */
const FCM_ERROR_CLASS: Record<string, string> = {
  APNS_AUTH_ERROR: 'firebase_admin._messaging_utils.ThirdPartyAuthError',
  UNREGISTERED: 'firebase_admin._messaging_utils.UnregisteredError',
  SENDER_ID_MISMATCH: 'firebase_admin._messaging_utils.SenderIdMismatchError',
  QUOTA_EXCEEDED: 'firebase_admin._messaging_utils.QuotaExceededError',
  THIRD_PARTY_AUTH_ERROR: 'firebase_admin._messaging_utils.ThirdPartyAuthError',
};

/** _ERROR_CODE_TO_EXCEPTION_TYPE: google.rpc status → firebase_admin.exceptions class. */
const STATUS_ERROR_CLASS: Record<string, string> = {
  INVALID_ARGUMENT: 'InvalidArgumentError',
  FAILED_PRECONDITION: 'FailedPreconditionError',
  OUT_OF_RANGE: 'OutOfRangeError',
  UNAUTHENTICATED: 'UnauthenticatedError',
  PERMISSION_DENIED: 'PermissionDeniedError',
  NOT_FOUND: 'NotFoundError',
  ABORTED: 'AbortedError',
  ALREADY_EXISTS: 'AlreadyExistsError',
  CONFLICT: 'ConflictError',
  RESOURCE_EXHAUSTED: 'ResourceExhaustedError',
  CANCELLED: 'CancelledError',
  DATA_LOSS: 'DataLossError',
  UNKNOWN: 'UnknownError',
  INTERNAL: 'InternalError',
  UNAVAILABLE: 'UnavailableError',
  DEADLINE_EXCEEDED: 'DeadlineExceededError',
};

/** _HTTP_STATUS_TO_ERROR_CODE, for an error body without a status. */
const HTTP_STATUS_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/**
 * Only firebase_admin's UnregisteredError (FcmError `UNREGISTERED`) removes a token: a bare
 * NOT_FOUND (say, a wrong project in the URL) is a NotFoundError, which is logged and kept.
 */
export const isFcmUnregistered = (r: FcmResult) => r.kind === 'failure' && r.code === 'UNREGISTERED';

export function describeFcmFailure(r: Exclude<FcmResult, { kind: 'success' }>): string {
  if (r.kind === 'connection-error') {
    // requests' Timeout / ConnectionError, as _utils.handle_requests_error words them.
    return r.error === 'timeout'
      ? `<class 'firebase_admin.exceptions.DeadlineExceededError'>:Timed out while making an API call: ${r.error}`
      : `<class 'firebase_admin.exceptions.UnavailableError'>:Failed to establish a connection: ${r.error}`;
  }
  const status = r.status ?? HTTP_STATUS_CODE[r.httpStatus] ?? 'UNKNOWN';
  const cls = FCM_ERROR_CLASS[r.code] ?? `firebase_admin.exceptions.${STATUS_ERROR_CLASS[status] ?? 'UnknownError'}`;
  return `<class '${cls}'>:${r.message}`;
}

export async function sendLegacyFcm(
  ctx: BouncerContext,
  server: RemoteServer,
  identity: UserIdentity,
  devices: LegacyDevice[],
  data: Record<string, unknown>,
  options: Record<string, unknown>,
): Promise<number> {
  const log = ctx.loggers.push;
  if (devices.length === 0) return 0;
  const fcm = ctx.providers.fcm;
  if (!fcm) {
    log.debug('Skipping sending a FCM push notification since ZULIP_SERVICE_PUSH_NOTIFICATIONS and ANDROID_FCM_CREDENTIALS_PATH are both unset');
    return 0;
  }
  log.info(`FCM: Sending notification for remote user ${server.uuid}:${identityLabel(identity)} to ${devices.length} devices`);
  const priority = parseFcmOptions(options, data);
  const strData = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, pythonStr(v)]));

  let results: FcmResult[];
  try {
    results = await fcm.sendEach(devices.map((d) => ({ token: d.token, data: strData, priority })));
  } catch (e) {
    if (!(e instanceof FcmBatchError)) throw e;
    log.warn({ err: { type: e.name, message: e.message } }, 'Error while pushing to FCM');
    return 0;
  }
  let sent = 0;
  results.forEach((r, i) => {
    const token = devices[i]!.token;
    if (r.kind === 'success') {
      sent += 1;
      log.info(`FCM: Sent message with ID: ${r.name} to ${token}`);
    } else if (isFcmUnregistered(r)) {
      log.info(`FCM: Removing ${token} due to NOT_FOUND`);
      ctx.legacyDevices.deleteByToken(TOKEN_KIND.FCM, token);
    } else {
      log.warn(`FCM: Delivery failed for ${token}: ${describeFcmFailure(r)}`);
    }
  });
  return sent;
}

/** APNs reasons after which a token is deleted (legacy) or expired (E2EE). */
export const APNS_INVALID_TOKEN_REASONS: ReadonlySet<string> = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic']);

export async function sendLegacyApns(
  ctx: BouncerContext,
  server: RemoteServer,
  identity: UserIdentity,
  devices: LegacyDevice[],
  apnsPayload: Record<string, unknown>,
): Promise<number> {
  const log = ctx.loggers.push;
  if (devices.length === 0) return 0;
  const apns = ctx.providers.apns;
  if (!apns) {
    log.debug('APNs: Dropping a notification because nothing configured.  Set ZULIP_SERVICES_URL (or APNS_CERT_FILE).');
    return 0;
  }
  // One push per device even when a token is registered in several casings.
  const unique = [...new Map(devices.map((d) => [d.token.toLowerCase(), d])).values()];
  log.info(
    `APNs: Sending notification for remote user ${server.uuid}:${identityLabel(identity)} to ${unique.length} devices (skipped ${devices.length - unique.length} duplicates)`,
  );
  const label = identityLabel(identity);
  for (const d of unique) if (d.iosAppId === null) log.error(`APNs: Missing ios_app_id for user ${label} device ${d.token}`);
  const sendable = unique.filter((d) => d.iosAppId !== null);

  // {**custom, "aps": <the rest>}: Zulip's pre-aps shape turned into the APNs wire payload.
  const { custom = {}, ...aps } = apnsPayload;
  const message = { ...(custom as Record<string, unknown>), aps };
  const expiration = Math.floor(ctx.now()) + 24 * 3600;
  const results = await Promise.all(
    sendable.map((d) => apns.send({ deviceToken: d.token, topic: d.iosAppId!, payload: message, expiration })),
  );
  let sent = 0;
  results.forEach((r, i) => {
    const device = sendable[i]!;
    const context = `for user ${label} to device ${device.token}`;
    if (handleApnsResult(ctx, r, context)) sent += 1;
    else if (r.kind === 'failure' && APNS_INVALID_TOKEN_REASONS.has(r.reason)) {
      log.info(`APNs: Removing invalid/expired token ${device.token} (${r.reason})`);
      ctx.legacyDevices.deleteByToken(TOKEN_KIND.APNS, device.token);
    }
  });
  return sent;
}

/**
 * get_info_from_apns_result: logs success, connection errors and ordinary failures; returns
 * whether the push was accepted. Invalid-token reasons are left to the caller (delete/expire).
 */
export function handleApnsResult(ctx: BouncerContext, r: ApnsResult, context: string): boolean {
  const log = ctx.loggers.push;
  if (r.kind === 'success') {
    log.info(`APNs: Success sending ${context}`);
    return true;
  }
  if (r.kind === 'connection-error') {
    log.error(`APNs: ConnectionError sending ${context}; check certificate expiration`);
  } else if (!APNS_INVALID_TOKEN_REASONS.has(r.reason)) {
    log.warn(`APNs: Failed to send ${context}: ${r.reason}`);
  }
  return false;
}
