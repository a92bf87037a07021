/**
 * Legacy (non-E2EE) device registration: `push/register`, `push/unregister`,
 * `push/unregister/all` (bouncer-protocol.md §4.1–§4.3; zilencer/views.py
 * register_remote_push_device, unregister_remote_push_device, unregister_all_remote_push_devices).
 */
import { canonicalUuid } from '../analytics/models';
import { invalidUuidAt } from '../analytics/errors';
import { TOKEN_KIND } from '../constants';
import type { BouncerContext } from '../context';
import { missingIosAppId, missingUserIdentity, requestVariableMissing, tokenDoesNotExist } from '../errors';
import { jsonInt, readFields, str } from '../http/params';
import type { AuthedRequest, RouteDef } from '../http/route';
import type { UserIdentity } from '../store/legacy-devices';
import { lookupRealmForServer, type RemoteRealm } from '../store/realms';
import { APNS_APP_ID_PATTERN, validateBouncerTokenRequest } from '../validation/push-token';

// The typed_endpoint signatures, in order (each parameter is read and validated in turn).
const REGISTER_FIELDS = [
  jsonInt('user_id', false),
  str('user_uuid', false),
  str('realm_uuid', false),
  str('token', true, { nonBlank: true }),
  jsonInt('token_kind', true),
  str('ios_app_id', false, { pattern: APNS_APP_ID_PATTERN }),
] as const;

const UNREGISTER_FIELDS = [
  str('token', true, { nonBlank: true }),
  jsonInt('token_kind', true),
  jsonInt('user_id', false),
  str('user_uuid', false),
  str('realm_uuid', false),
] as const;

const UNREGISTER_ALL_FIELDS = [jsonInt('user_id', false), str('user_uuid', false), str('realm_uuid', false)] as const;

interface IdentityFields {
  user_id: number | undefined;
  user_uuid: string | undefined;
  realm_uuid: string | undefined;
}

/** A uuid field as Postgres' UUIDField stores it (canonical), or undefined when absent. */
function uuidField(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const canonical = canonicalUuid(value);
  // Zulip: the UUIDField lookup raises ValidationError → 500; we answer 400 in the pydantic wording.
  if (canonical === null) throw invalidUuidAt(name, 'Input should be a valid UUID');
  return canonical;
}

/**
 * The identity checks Zulip leaves to asserts and the database, made before any effect:
 * UserPushIdentityCompat, `realm_uuid` implying `user_uuid`, and well-formed uuids.
 */
function checkedIdentity(f: IdentityFields): { identity: UserIdentity; realmUuid: string | undefined } {
  // Zulip: UserPushIdentityCompat asserts (500); we answer register's own 400 message.
  if (f.user_id === undefined && f.user_uuid === undefined) throw missingUserIdentity();
  // Zulip: `assert user_uuid is not None` when realm_uuid is sent (500); we answer "Missing 'user_uuid' argument".
  if (f.realm_uuid !== undefined && f.user_uuid === undefined) throw requestVariableMissing('user_uuid');
  const userUuid = uuidField('user_uuid', f.user_uuid);
  // Validated here rather than in lookupRealmForServer (which treats it as unknown) because Zulip 500s on it.
  if (f.realm_uuid !== undefined) uuidField('realm_uuid', f.realm_uuid);
  return { identity: { userId: f.user_id ?? null, userUuid: userUuid ?? null }, realmUuid: f.realm_uuid };
}

/** get_remote_realm_helper + last_request_datetime = now; null when absent or unknown (INFO logged). */
function touchRealm(req: AuthedRequest, ctx: BouncerContext, realmUuid: string | undefined): RemoteRealm | null {
  if (realmUuid === undefined) return null;
  const realm = lookupRealmForServer(ctx, req.server, realmUuid, req.path);
  if (realm) ctx.realms.touch(realm.id, ctx.now());
  return realm;
}

function register(req: AuthedRequest, ctx: BouncerContext) {
  const f = readFields(req.params, REGISTER_FIELDS);
  validateBouncerTokenRequest(f.token, f.token_kind);
  if (f.token_kind === TOKEN_KIND.APNS && f.ios_app_id === undefined) throw missingIosAppId();
  const { identity, realmUuid } = checkedIdentity(f);

  const serverId = req.server.id;
  let userId = identity.userId ?? null;
  if (userId !== null && identity.userUuid) {
    // Both given: drop the old id-based row for this device; the row is created by uuid only.
    // Like Zulip (no request transaction), this delete stands even if the realm check below fails.
    ctx.legacyDevices.deleteUserIdRows(serverId, userId, f.token_kind, [f.token]);
    userId = null;
  }
  const realm = touchRealm(req, ctx, realmUuid);
  ctx.legacyDevices.insert(
    {
      serverId,
      kind: f.token_kind,
      token: f.token,
      iosAppId: f.ios_app_id ?? null,
      userId,
      userUuid: identity.userUuid ?? null,
      remoteRealmId: realm?.id ?? null,
    },
    ctx.now(),
  );
  return {};
}

function unregister(req: AuthedRequest, ctx: BouncerContext) {
  const f = readFields(req.params, UNREGISTER_FIELDS);
  validateBouncerTokenRequest(f.token, f.token_kind);
  const { identity, realmUuid } = checkedIdentity(f);
  touchRealm(req, ctx, realmUuid);
  if (ctx.legacyDevices.deleteToken(req.server.id, identity, f.token_kind, f.token) === 0) throw tokenDoesNotExist();
  return {};
}

function unregisterAll(req: AuthedRequest, ctx: BouncerContext) {
  const f = readFields(req.params, UNREGISTER_ALL_FIELDS);
  const { identity, realmUuid } = checkedIdentity(f);
  touchRealm(req, ctx, realmUuid);
  ctx.legacyDevices.deleteAllForUser(req.server.id, identity);
  return {};
}

export const legacyDeviceRoutes: RouteDef[] = [
  { path: '/api/v1/remotes/push/register', auth: 'remote-server', methods: { POST: register } },
  { path: '/api/v1/remotes/push/unregister', auth: 'remote-server', methods: { POST: unregister } },
  { path: '/api/v1/remotes/push/unregister/all', auth: 'remote-server', methods: { POST: unregisterAll } },
];
