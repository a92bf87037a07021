/**
 * The app-facing device API (server-and-app.md §D), as zerver/views/push_notifications.py and
 * zerver/views/devices.py answer it, parameters read typed_endpoint style in signature order
 * (the first failure is the answer):
 *
 *   POST/DELETE users/me/apns_device_token   appid (ApnsAppId; POST), token      legacy, human only
 *   POST/DELETE users/me/android_gcm_reg_id  token                              legacy, human only
 *   POST register_client_device              → {device_id}                      12.x
 *   POST remove_client_device                device_id                          12.x (FL 470)
 *   POST mobile_push/register                12.x: device_id + key/token groups; 11.x: push_account_id…
 *
 * The 12.x-only endpoints answer 404 on an 11.x profile (they do not exist there). Messages
 * marked (inferred) were not read verbatim; the rest are Zulip's.
 */
import { jsonInt, parseJsonInteger, readFields, str, type Field } from '../../../bouncer/http/params';
import { APNS_APP_ID_PATTERN } from '../../../bouncer/validation/push-token';
import { JsonableError } from '../../../core/errors';
import type { ZulipServerContext } from '../../context';
import {
  canonicalTokenId,
  checkPushKey,
  doRegisterPushDevice,
  doRotatePushKey,
  doRotateToken,
  enqueueDeviceRegistration,
  enqueuePushDeviceRegistration,
  findPushDevice11,
  forgetDeviceRegistration,
  samePushKey,
} from '../../push/e2ee-registration';
import { addPushDeviceToken, removePushDeviceToken, validateToken } from '../../push/legacy-registration';
import { usesNotificationBouncer } from '../../settings';
import type { ClientDevice } from '../../state';
import type { User } from '../../types';
import type { AuthedRequest, RouteDef } from '../route';

export const LEGACY_PATHS = {
  apns: '/api/v1/users/me/apns_device_token',
  fcm: '/api/v1/users/me/android_gcm_reg_id',
} as const;
export const REGISTER_CLIENT_DEVICE_PATH = '/api/v1/register_client_device';
export const REMOVE_CLIENT_DEVICE_PATH = '/api/v1/remove_client_device';
export const MOBILE_PUSH_REGISTER_PATH = '/api/v1/mobile_push/register';

// ---------------------------------------------------------------------------------------------
// Parameter types beyond params.ts

/** A pydantic AfterValidator's ValueError: `Invalid <name>: Value error, <msg>` (typed_endpoint). */
const valueError = (name: string, msg: string) => new JsonableError(`Invalid ${name}: Value error, ${msg}`);

/** `check_string_in_validator(Device.PushTokenKind.values)`. */
function tokenKind<N extends string, R extends boolean>(name: N, required: R): Field<'apns' | 'fcm'> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw: string) {
      if (raw !== 'apns' && raw !== 'fcm') throw valueError(name, 'Not in the list of possible values');
      return raw;
    },
  };
}

/** `Annotated[Json[int], uint32_validator()]`. */
function uint32<N extends string, R extends boolean>(name: N, required: R): Field<number> & { name: N; required: R } {
  return {
    name,
    required,
    parse(raw: string) {
      const n = parseJsonInteger(name, raw);
      if (n < 0n || n > 0xffffffffn) throw valueError(name, 'Not a valid unsigned 32-bit integer');
      return Number(n);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Legacy (§D.1)

const APPID = str('appid', true, { pattern: APNS_APP_ID_PATTERN });
const TOKEN = str('token', true);

const legacyRoutes: RouteDef[] = [
  {
    path: LEGACY_PATHS.apns,
    auth: 'human',
    methods: {
      // add_apns_device_token(appid: ApnsAppId, token: str): appid is read first.
      async POST(req, ctx) {
        const f = readFields(req.params, [APPID, TOKEN] as const);
        validateToken(f.token, 'apns');
        await addPushDeviceToken(ctx, req.user, f.token, 'apns', f.appid);
        return {};
      },
      async DELETE(req, ctx) {
        const f = readFields(req.params, [TOKEN] as const);
        validateToken(f.token, 'apns');
        await removePushDeviceToken(ctx, req.user, f.token, 'apns');
        return {};
      },
    },
  },
  {
    path: LEGACY_PATHS.fcm,
    auth: 'human',
    methods: {
      async POST(req, ctx) {
        const f = readFields(req.params, [TOKEN] as const);
        validateToken(f.token, 'fcm');
        await addPushDeviceToken(ctx, req.user, f.token, 'fcm', null);
        return {};
      },
      async DELETE(req, ctx) {
        const f = readFields(req.params, [TOKEN] as const);
        validateToken(f.token, 'fcm');
        await removePushDeviceToken(ctx, req.user, f.token, 'fcm');
        return {};
      },
    },
  },
];

// ---------------------------------------------------------------------------------------------
// 12.x client devices (§A.2, §D.3)

const endpointNotFound = () => new JsonableError('Endpoint not found', { status: 404 });

function requireProfile(ctx: ZulipServerContext, profile: 11 | 12): void {
  if (ctx.settings().profile !== profile) throw endpointNotFound();
}

/** check_device_id: the device must be the user's. */
function checkDeviceId(ctx: ZulipServerContext, deviceId: number, user: User): ClientDevice {
  const device = ctx.state.clientDevices.get(deviceId);
  if (!device || device.userId !== user.id) throw new JsonableError('Invalid `device_id`');
  return device;
}

const clientDeviceRoutes: RouteDef[] = [
  {
    // register_device is @typed_endpoint_without_parameters, not @human_users_only.
    path: REGISTER_CLIENT_DEVICE_PATH,
    auth: 'user',
    methods: {
      POST(req, ctx) {
        requireProfile(ctx, 12);
        const device = ctx.state.addClientDevice(req.user.id);
        ctx.state.sendEvent(req.user.id, { type: 'device', op: 'add', device_id: device.id });
        return { device_id: device.id };
      },
    },
  },
  {
    path: REMOVE_CLIENT_DEVICE_PATH,
    auth: 'user',
    methods: {
      POST(req, ctx) {
        requireProfile(ctx, 12);
        const f = readFields(req.params, [jsonInt('device_id', true)] as const);
        const device = checkDeviceId(ctx, f.device_id, req.user);
        ctx.state.clientDevices.delete(device.id);
        forgetDeviceRegistration(ctx, device.id);
        ctx.state.sendEvent(req.user.id, { type: 'device', op: 'remove', device_id: device.id });
        return {};
      },
    },
  },
];

// ---------------------------------------------------------------------------------------------
// mobile_push/register

/** register_push_device's signature order (12.x, token_id_base64 aliased `token_id`). */
const FIELDS_12 = [
  jsonInt('device_id', true),
  tokenKind('token_kind', false),
  str('push_key', false),
  uint32('push_key_id', false),
  str('bouncer_public_key', false),
  str('encrypted_push_registration', false),
  str('token_id', false),
] as const;

/** 11.x (the later `push_key` form of the API, §D.2). */
const FIELDS_11 = [
  tokenKind('token_kind', true),
  jsonInt('push_account_id', true),
  str('push_key', true),
  str('bouncer_public_key', true),
  str('encrypted_push_registration', true),
] as const;

const NOT_CONFIGURED_MSG = 'Server is not configured to use push notification service.';

/** 12.x register_push_device. */
function registerPushDevice12(req: AuthedRequest, ctx: ZulipServerContext): Record<string, unknown> {
  const f = readFields(req.params, FIELDS_12);
  // PushServiceNotConfiguredError (status inferred: 400).
  if (!usesNotificationBouncer(ctx.settings())) throw new JsonableError(NOT_CONFIGURED_MSG, { code: 'PUSH_SERVICE_NOT_CONFIGURED' });
  const device = checkDeviceId(ctx, f.device_id, req.user);

  // An incomplete group counts as absent (Zulip checks each group for completeness only).
  const key = f.push_key !== undefined && f.push_key_id !== undefined ? { pushKey: f.push_key, pushKeyId: f.push_key_id } : null;
  const token =
    f.token_kind !== undefined && f.token_id !== undefined && f.bouncer_public_key !== undefined && f.encrypted_push_registration !== undefined
      ? { tokenKind: f.token_kind, tokenId: f.token_id, bouncerPublicKey: f.bouncer_public_key, encryptedPushRegistration: f.encrypted_push_registration }
      : null;
  if (!key && !token) {
    throw new JsonableError('Missing parameters: must provide either all push key fields, all token fields, or both.');
  }

  if (key && !token) {
    if (device.pushKeyId === null) throw new JsonableError('No push registration exists to rotate key for.');
    doRotatePushKey(ctx, device, checkPushKey(key.pushKey), key.pushKeyId);
    return {};
  }
  // A registration with the bouncer in flight: don't race it with another one.
  if (device.pushRegistrationErrorCode === null && device.pendingPushTokenId !== null) {
    throw new JsonableError('A registration for the device already in progress.');
  }
  const t = token!;
  const tokenId = canonicalTokenId(t.tokenId);
  if (!key) {
    if (device.pushKeyId === null) throw new JsonableError('No push registration exists to rotate token for.');
    if (device.pushRegistrationErrorCode === null && device.pushTokenId === tokenId) return {};
    doRotateToken(ctx, device, tokenId);
  } else {
    const pushKey = checkPushKey(key.pushKey);
    const unchanged =
      device.pushRegistrationErrorCode === null &&
      device.pushKeyId === key.pushKeyId &&
      samePushKey(device.pushKey, pushKey) &&
      device.pushTokenId === tokenId &&
      device.pushTokenKind === t.tokenKind;
    if (unchanged) return {};
    doRegisterPushDevice(ctx, device, { tokenKind: t.tokenKind, pushKey, pushKeyId: key.pushKeyId, tokenId });
  }
  // The bouncer is called by the queue worker, so the app's answer never waits on it.
  enqueueDeviceRegistration(ctx, {
    userId: req.user.id,
    deviceId: device.id,
    tokenId,
    bouncerPublicKey: t.bouncerPublicKey,
    encryptedPushRegistration: t.encryptedPushRegistration,
  });
  return {};
}

/** 11.x register_push_device (PushDevice per push_account_id). */
function registerPushDevice11(req: AuthedRequest, ctx: ZulipServerContext): Record<string, unknown> {
  const f = readFields(req.params, FIELDS_11);
  if (!usesNotificationBouncer(ctx.settings())) throw new JsonableError(NOT_CONFIGURED_MSG);
  const pushKey = checkPushKey(f.push_key);
  const state = ctx.state;
  const existing = findPushDevice11(state, req.user.id, f.push_account_id);
  // Idempotency: a registration without an error (pending or active) is left alone.
  if (existing && existing.errorCode === null) return {};
  if (existing) Object.assign(existing, { tokenKind: f.token_kind, pushKey, errorCode: null });
  else {
    state.pushDevices11.push({
      id: state.nextId('pushDevice'),
      userId: req.user.id,
      pushAccountId: f.push_account_id,
      tokenKind: f.token_kind,
      pushKey,
      bouncerDeviceId: null,
      errorCode: null,
    });
  }
  enqueuePushDeviceRegistration(ctx, {
    userId: req.user.id,
    pushAccountId: f.push_account_id,
    bouncerPublicKey: f.bouncer_public_key,
    encryptedPushRegistration: f.encrypted_push_registration,
  });
  return {};
}

const mobilePushRoutes: RouteDef[] = [
  {
    path: MOBILE_PUSH_REGISTER_PATH,
    auth: 'human',
    methods: {
      POST: (req, ctx) => (ctx.settings().profile === 11 ? registerPushDevice11(req, ctx) : registerPushDevice12(req, ctx)),
    },
  },
];

export const deviceRoutes: RouteDef[] = [...legacyRoutes, ...clientDeviceRoutes, ...mobilePushRoutes];
