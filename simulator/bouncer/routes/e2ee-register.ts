/**
 * `POST /api/v1/remotes/push/e2ee/register` (bouncer-protocol.md §6.2), in the profile of
 * `ctx.config.e2eeProfile`:
 *
 *   11.x (FL 406–467): realm_uuid, push_account_id (Json[int]), encrypted_push_registration,
 *         bouncer_public_key → {"device_id": <int>}
 *   12.x (FL 468+):    realm_uuid, token_id (str, base64), encrypted_push_registration,
 *         bouncer_public_key → {}
 *
 * Processing order: (1) realm lookup — unknown realm is 403 MISSING_REMOTE_REALM here, realm of
 * another server 403 REMOTE_REALM_SERVER_MISMATCH_ERROR, found realm touched; (2)–(5) key,
 * decryption, plaintext validation, liveness (e2ee/registration.ts); (6) idempotent store.
 * No plan gating; the only log lines are the realm helper's.
 */
import type { BouncerContext } from '../context';
import { openPushRegistration } from '../e2ee/registration';
import { missingRemoteRealm } from '../errors';
import { jsonInt64, readFields, str } from '../http/params';
import type { AuthedRequest, RouteDef } from '../http/route';
import { lookupRealmForServer, type RemoteRealm } from '../store/realms';

export const E2EE_REGISTER_PATH = '/api/v1/remotes/push/e2ee/register';

/** The view signatures, in order (typed_endpoint reads and validates them in this order). */
const FIELDS_11 = [
  str('realm_uuid', true),
  jsonInt64('push_account_id', true),
  str('encrypted_push_registration', true),
  str('bouncer_public_key', true),
] as const;

const FIELDS_12 = [
  str('realm_uuid', true),
  str('token_id', true),
  str('encrypted_push_registration', true),
  str('bouncer_public_key', true),
] as const;

/**
 * Step 1 of both E2EE endpoints: get_remote_realm_helper, where an unknown realm is an error
 * (INFO line + 403 MissingRemoteRealmError); the found realm's last_request_datetime = now.
 */
export function requireRemoteRealm(req: AuthedRequest, ctx: BouncerContext, realmUuid: string): RemoteRealm {
  const realm = lookupRealmForServer(ctx, req.server, realmUuid, req.path);
  if (!realm) throw missingRemoteRealm();
  ctx.realms.touch(realm.id, ctx.now());
  return realm;
}

function register11(req: AuthedRequest, ctx: BouncerContext): Record<string, unknown> {
  const f = readFields(req.params, FIELDS_11);
  const realm = requireRemoteRealm(req, ctx, f.realm_uuid);
  const { registration } = openPushRegistration(
    ctx.keyRing,
    { bouncerPublicKey: f.bouncer_public_key, encryptedPushRegistration: f.encrypted_push_registration },
    ctx.now(),
  );
  const { device } = ctx.e2eeDevices.registerByPushAccount(realm.id, registration, f.push_account_id);
  return { device_id: device.deviceId };
}

function register12(req: AuthedRequest, ctx: BouncerContext): Record<string, unknown> {
  const f = readFields(req.params, FIELDS_12);
  const realm = requireRemoteRealm(req, ctx, f.realm_uuid);
  const { registration, tokenId } = openPushRegistration(
    ctx.keyRing,
    {
      bouncerPublicKey: f.bouncer_public_key,
      encryptedPushRegistration: f.encrypted_push_registration,
      tokenId: f.token_id,
    },
    ctx.now(),
  );
  ctx.e2eeDevices.registerByTokenId(realm.id, registration, tokenId!);
  return {};
}

export const e2eeRegisterRoutes: RouteDef[] = [
  {
    path: E2EE_REGISTER_PATH,
    auth: 'remote-server',
    methods: {
      POST: (req, ctx) => (ctx.config.e2eeProfile === 11 ? register11(req, ctx) : register12(req, ctx)),
    },
  },
];
