/**
 * Legacy (non-E2EE) push device tokens, as zerver/lib/push_notifications.py
 * add_push_device_token / remove_push_device_token do it (server-and-app.md §D.1):
 *
 *  - add: always a local PushDeviceToken row (bulk_create ignore_conflicts: a duplicate of the
 *    same user+kind+token is ignored), the INFO line `Registering push device: …`, then — with
 *    the bouncer in use — `Sending new push device to bouncer: {…}` and a synchronous
 *    `push/register`.
 *  - remove: the local row (if any) is deleted; with the bouncer in use a missing local row is
 *    not an error ("It will be raised by the code below eventually": the bouncer answers
 *    `Token does not exist` if it has no such token either), then `push/unregister`.
 *
 * Bouncer failures surface to the app as Zulip lets them: a JsonableError with the bouncer's
 * `msg` (400 BAD_REQUEST), 502 for network trouble and bouncer 5xx
 * (PushNotificationBouncerRetryLaterError), 403 MISSING_REMOTE_REALM; anything not Jsonable in
 * Zulip (INVALID_ZULIP_SERVER credentials, an unparseable answer, missing credentials) is a 500.
 * With ZULIP_SERVICES_URL unset (paused) nothing is sent and the API answers success.
 *
 * Tokens are not secrets (Zulip logs them, §G); API keys and message content never appear here.
 */
import { validateBouncerTokenRequest } from '../../bouncer/validation/push-token';
import { TOKEN_KIND as BOUNCER_TOKEN_KIND } from '../../bouncer/constants';
import { JsonableError } from '../../core/errors';
import {
  BouncerJsonableError,
  InvalidBouncerPublicKeyError,
  InvalidRemotePushDeviceTokenError,
  MissingRemoteRealmError,
  RequestExpiredError,
} from '../bouncer-client/errors';
import { pyRepr } from '../bouncer-client/python-repr';
import { PUSH_NOTIFICATIONS_LOGGER } from '../bouncer-client/reactions';
import { TOKEN_KIND, type LegacyTokenKind } from '../bouncer-client/wire';
import type { ZulipServerContext } from '../context';
import { usesNotificationBouncer } from '../settings';
import type { LegacyDeviceRow } from '../state';
import type { User } from '../types';

/** validate_token: `Empty or invalid length token`, then (APNs) `Invalid APNS token` (bytes.fromhex). */
export function validateToken(token: string, kind: LegacyTokenKind): void {
  validateBouncerTokenRequest(token, kind === 'apns' ? BOUNCER_TOKEN_KIND.APNS : BOUNCER_TOKEN_KIND.FCM);
}

/** APNs tokens are hex: compared case-insensitively (as the bouncer does, bouncer-protocol.md §4). */
const sameToken = (kind: LegacyTokenKind, a: string, b: string) => (kind === 'apns' ? a.toLowerCase() === b.toLowerCase() : a === b);

/** Python's repr of a flat dict (the `%r` of Zulip's post_data). */
function pyDictRepr(d: Record<string, unknown>): string {
  return '{' + Object.entries(d).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ') + '}';
}

/**
 * A bouncer-client error as the Zulip server's own API answers it (JsonableError propagating
 * out of the view). Errors Zulip does not treat as Jsonable are returned unchanged (→ 500).
 */
export function bouncerErrorForClient(e: unknown): unknown {
  if (!(e instanceof BouncerJsonableError)) return e;
  // Zulip's `JsonableError(msg)` carries BAD_REQUEST whatever code the bouncer sent; only the
  // dedicated classes keep their own code (RetryLater is a plain 502 JsonableError).
  const own =
    e instanceof MissingRemoteRealmError ||
    e instanceof InvalidBouncerPublicKeyError ||
    e instanceof RequestExpiredError ||
    e instanceof InvalidRemotePushDeviceTokenError;
  return new JsonableError(e.msg, { status: e.httpStatusCode, code: own && e.code ? e.code : 'BAD_REQUEST' });
}

async function callBouncer<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw bouncerErrorForClient(e);
  }
}

/** add_push_device_token. */
export async function addPushDeviceToken(
  ctx: ZulipServerContext,
  user: User,
  token: string,
  kind: LegacyTokenKind,
  iosAppId: string | null,
): Promise<void> {
  const log = ctx.zulipLog;
  log('info', `Registering push device: ${user.id} ${pyRepr(token)} ${TOKEN_KIND[kind]} ${pyRepr(iosAppId)}`, PUSH_NOTIFICATIONS_LOGGER);

  const devices = ctx.state.legacyDevices;
  // Unique (user, kind, token); ignore_conflicts.
  if (!devices.some((d) => d.userId === user.id && d.kind === kind && d.token === token)) {
    const row: LegacyDeviceRow = { id: ctx.state.nextId('legacyDevice'), userId: user.id, kind, token, iosAppId };
    devices.push(row);
  }

  if (!usesNotificationBouncer(ctx.settings())) return;
  const realm = ctx.state.realm(user.realmId);
  if (!ctx.bouncer.paused) {
    const postData: Record<string, unknown> = {
      server_uuid: ctx.secrets.credentials()?.zulipOrgId ?? null,
      user_uuid: user.uuid,
      realm_uuid: realm.uuid,
      user_id: String(user.id),
      token,
      token_kind: TOKEN_KIND[kind],
      ...(kind === 'apns' ? { ios_app_id: iosAppId } : {}),
    };
    log('info', `Sending new push device to bouncer: ${pyDictRepr(postData)}`, PUSH_NOTIFICATIONS_LOGGER);
  }
  // Paused: the client answers `skipped` and sends nothing; the row stays local.
  await callBouncer(() =>
    ctx.bouncer.registerPushDevice({ userId: user.id, userUuid: user.uuid, realmUuid: realm.uuid, token, tokenKind: kind, iosAppId }),
  );
}

/** remove_push_device_token. */
export async function removePushDeviceToken(ctx: ZulipServerContext, user: User, token: string, kind: LegacyTokenKind): Promise<void> {
  const devices = ctx.state.legacyDevices;
  const i = devices.findIndex((d) => d.userId === user.id && d.kind === kind && sameToken(kind, d.token, token));
  const usingBouncer = usesNotificationBouncer(ctx.settings());
  if (i >= 0) devices.splice(i, 1);
  else if (!usingBouncer) throw new JsonableError('Token does not exist');

  if (!usingBouncer) return;
  const realm = ctx.state.realm(user.realmId);
  await callBouncer(() =>
    ctx.bouncer.unregisterPushDevice({ userId: user.id, userUuid: user.uuid, realmUuid: realm.uuid, token, tokenKind: kind }),
  );
}
