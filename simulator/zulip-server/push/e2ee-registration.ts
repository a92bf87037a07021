/**
 * E2EE push registration on the server side: the `Device` (12.x) / `PushDevice` (11.x) state
 * changes of zerver/actions/push_notifications.py and the queue worker of
 * zerver/lib/push_registration.py (server-and-app.md §D.2, §D.3, §E).
 *
 *  12.x  do_register_push_device / do_rotate_push_key / do_rotate_token update the `Device` row
 *        and send `device` update events; the worker POSTs `push/e2ee/register` with `token_id`.
 *        Success: push_token_id = the token id, pending_push_token_id = null (event with both).
 *        `push_token_last_updated_timestamp` is set when the request is accepted, not on success
 *        (as do_register_push_device / do_rotate_token do).
 *  11.x  the worker registers by `push_account_id`; success stores the bouncer's `device_id`
 *        (event `push_device` status "active"), failure the error code (status "failed").
 *
 * Worker outcomes (handle_register_push_device_to_bouncer):
 *  - network / 5xx (RetryLater) and admin-fixable refusals (MissingRemoteRealm, INVALID_ZULIP_SERVER,
 *    PUSH_NOTIFICATIONS_DISALLOWED; ERROR `Push device registration request for … failed.`) are
 *    retried with E2EE_REGISTRATION_RETRY_POLICY (no jitter: reproducible on a virtual clock) for
 *    up to the 24 h liveness window; when that runs out the task fails and the row stays pending.
 *  - any other JsonableError is terminal: error code = Zulip's `e.__class__.code.name`, i.e.
 *    INVALID_BOUNCER_PUBLIC_KEY, REQUEST_EXPIRED, or BAD_REQUEST for a plain JsonableError (also
 *    when the bouncer's own code was another one, e.g. RATE_LIMIT_HIT). REQUEST_EXPIRED is also
 *    logged at ERROR.
 *  - ZULIP_SERVICES_URL unset (paused): nothing is sent and the row stays pending. The request
 *    is kept in memory; `resumePendingRegistrations(ctx)` re-enqueues every pending one (call it
 *    when the URL is set again). (Simulator-only: Zulip has no paused state.)
 */
import { JsonableError } from '../../core/errors';
import { isSkipped } from '../bouncer-client/client';
import {
  BouncerJsonableError,
  InvalidBouncerPublicKeyError,
  MissingRemoteRealmError,
  PushNotificationBouncerError,
  PushNotificationsDisallowedByBouncerError,
  RequestExpiredError,
  isRetryLaterError,
} from '../bouncer-client/errors';
import { E2EE_REGISTRATION_RETRY_POLICY, type RetryPolicy } from '../bouncer-client/retry';
import type { ZulipServerContext } from '../context';
import type { ClientDevice, PushDevice11, ServerState } from '../state';

/** The queue event's name (missedmessage_mobile_notifications `register_push_device_to_bouncer`). */
export const REGISTRATION_TASK = 'register_push_device_to_bouncer';
/** Zulip's worker logs with `logging.error` (the root logger). */
const ROOT_LOGGER = 'root';

/** The registration worker's policy, without jitter so virtual-clock runs repeat exactly. */
export const REGISTRATION_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ ...E2EE_REGISTRATION_RETRY_POLICY, jitterMs: 0 });

// ---------------------------------------------------------------------------------------------
// Token ids and push keys (zerver/lib/devices.py, zerver/lib/push_registration.py)

/**
 * base64.b64decode(s, validate=True): standard alphabet, padding only at the end. (inferred:
 * we also insist on the canonical padding Python's non-strict decoder would mostly accept.)
 */
export function strictBase64Decode(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const data = s.replace(/=+$/, '').length;
  if (data % 4 === 1) return null;
  const pads = s.length - data;
  if (pads !== (4 - (data % 4)) % 4) return null;
  return Buffer.from(s, 'base64');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * b64decode_token_id_base64, then the API form b64encode_token_id_int (8 bytes, big-endian,
 * signed). A value outside int64 would overflow Zulip's BigIntegerField (a 500 there); inferred:
 * we answer 400 `token_id is out of range`.
 */
export function canonicalTokenId(tokenIdBase64: string): string {
  const bytes = strictBase64Decode(tokenIdBase64);
  if (bytes === null) throw new JsonableError('`token_id` is not Base64 encoded');
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && bytes[0]! & 0x80) n -= 1n << BigInt(8 * bytes.length);
  if (n < INT64_MIN || n > INT64_MAX) throw new JsonableError('token_id is out of range');
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(n);
  return out.toString('base64');
}

/** check_push_key: base64 of 33 bytes starting 0x31, else `Invalid \`push_key\``. */
export function checkPushKey(pushKey: string): Uint8Array {
  const bytes = strictBase64Decode(pushKey);
  if (bytes === null || bytes.length !== 33 || bytes[0] !== 0x31) throw new JsonableError('Invalid `push_key`');
  return new Uint8Array(bytes);
}

export const samePushKey = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && Buffer.from(a).equals(Buffer.from(b));

// ---------------------------------------------------------------------------------------------
// 12.x actions (zerver/actions/push_notifications.py)

const nowSeconds = (ctx: ZulipServerContext) => Math.floor(ctx.clock.now() / 1000);

function deviceEvent(ctx: ZulipServerContext, device: ClientDevice, fields: Record<string, unknown>): void {
  ctx.state.sendEvent(device.userId, { type: 'device', op: 'update', device_id: device.id, ...fields });
}

function saveDevice(ctx: ZulipServerContext, device: ClientDevice): void {
  ctx.state.clientDevices.set(device.id, device);
}

/** do_register_push_device: key, kind and pending token at once. */
export function doRegisterPushDevice(
  ctx: ZulipServerContext,
  device: ClientDevice,
  f: { tokenKind: 'apns' | 'fcm'; pushKey: Uint8Array; pushKeyId: number; tokenId: string },
): void {
  const at = nowSeconds(ctx);
  Object.assign(device, {
    pushKey: f.pushKey,
    pushKeyId: f.pushKeyId,
    pendingPushTokenId: f.tokenId,
    pushTokenKind: f.tokenKind,
    pushTokenLastUpdatedTimestamp: at,
    pushRegistrationErrorCode: null,
  });
  saveDevice(ctx, device);
  deviceEvent(ctx, device, {
    push_key_id: f.pushKeyId,
    pending_push_token_id: f.tokenId,
    push_token_last_updated_timestamp: at,
    push_registration_error_code: null,
  });
}

/** do_rotate_push_key: a no-op when the key is unchanged. */
export function doRotatePushKey(ctx: ZulipServerContext, device: ClientDevice, pushKey: Uint8Array, pushKeyId: number): void {
  if (device.pushKeyId === pushKeyId && samePushKey(device.pushKey, pushKey)) return;
  Object.assign(device, { pushKey, pushKeyId });
  saveDevice(ctx, device);
  deviceEvent(ctx, device, { push_key_id: pushKeyId });
}

/** do_rotate_token (the kind is left as it was, as Zulip does). */
export function doRotateToken(ctx: ZulipServerContext, device: ClientDevice, tokenId: string): void {
  const at = nowSeconds(ctx);
  Object.assign(device, { pendingPushTokenId: tokenId, pushTokenLastUpdatedTimestamp: at, pushRegistrationErrorCode: null });
  saveDevice(ctx, device);
  deviceEvent(ctx, device, { pending_push_token_id: tokenId, push_token_last_updated_timestamp: at, push_registration_error_code: null });
}

// ---------------------------------------------------------------------------------------------
// The queue items, kept until they finish (for resumePendingRegistrations)

interface Job12 {
  profile: 12;
  userId: number;
  deviceId: number;
  tokenId: string;
  bouncerPublicKey: string;
  encryptedPushRegistration: string;
  queued: boolean;
}

interface Job11 {
  profile: 11;
  userId: number;
  pushAccountId: number;
  bouncerPublicKey: string;
  encryptedPushRegistration: string;
  queued: boolean;
}

interface PendingJobs {
  devices: Map<number, Job12>;
  /** `<user id>:<push_account_id>`. */
  accounts: Map<string, Job11>;
}

const pendingByState = new WeakMap<ServerState, PendingJobs>();

function pendingJobs(state: ServerState): PendingJobs {
  let p = pendingByState.get(state);
  if (!p) {
    p = { devices: new Map(), accounts: new Map() };
    pendingByState.set(state, p);
  }
  return p;
}

const accountKey = (userId: number, pushAccountId: number) => `${userId}:${pushAccountId}`;

export type RegistrationRequest12 = Omit<Job12, 'profile' | 'queued'>;
export type RegistrationRequest11 = Omit<Job11, 'profile' | 'queued'>;

/** queue_event_on_commit(register_push_device_to_bouncer) for a 12.x Device. */
export function enqueueDeviceRegistration(ctx: ZulipServerContext, request: RegistrationRequest12): void {
  const job: Job12 = { ...request, profile: 12, queued: false };
  pendingJobs(ctx.state).devices.set(job.deviceId, job);
  schedule(ctx, job);
}

/** The same for an 11.x PushDevice. */
export function enqueuePushDeviceRegistration(ctx: ZulipServerContext, request: RegistrationRequest11): void {
  const job: Job11 = { ...request, profile: 11, queued: false };
  pendingJobs(ctx.state).accounts.set(accountKey(job.userId, job.pushAccountId), job);
  schedule(ctx, job);
}

/** A removed Device needs no registration any more. */
export function forgetDeviceRegistration(ctx: ZulipServerContext, deviceId: number): void {
  pendingJobs(ctx.state).devices.delete(deviceId);
}

function schedule(ctx: ZulipServerContext, job: Job12 | Job11): void {
  job.queued = true;
  ctx.queue.enqueue(REGISTRATION_TASK, async () => {
    try {
      await (job.profile === 12 ? runJob12(ctx, job) : runJob11(ctx, job));
    } finally {
      job.queued = false;
    }
  });
}

/**
 * Re-enqueues every registration still waiting for the bouncer (sent while the service was
 * paused, or given up after the retry window). Returns how many were enqueued.
 */
export function resumePendingRegistrations(ctx: ZulipServerContext): number {
  const p = pendingJobs(ctx.state);
  let n = 0;
  for (const job of [...p.devices.values()]) {
    if (job.queued) continue;
    const d = ctx.state.clientDevices.get(job.deviceId);
    if (!d || d.pendingPushTokenId !== job.tokenId || d.pushRegistrationErrorCode !== null) {
      p.devices.delete(job.deviceId);
      continue;
    }
    schedule(ctx, job);
    n += 1;
  }
  for (const [key, job] of [...p.accounts]) {
    if (job.queued) continue;
    const row = findPushDevice11(ctx.state, job.userId, job.pushAccountId);
    if (!row || row.bouncerDeviceId !== null || row.errorCode !== null) {
      p.accounts.delete(key);
      continue;
    }
    schedule(ctx, job);
    n += 1;
  }
  return n;
}

/** How many registrations wait for the bouncer (queued or not). */
export function pendingRegistrationCount(ctx: ZulipServerContext): number {
  const p = pendingJobs(ctx.state);
  return p.devices.size + p.accounts.size;
}

// ---------------------------------------------------------------------------------------------
// The worker (handle_register_push_device_to_bouncer)

/** Errors the server admins must fix: logged at ERROR and retried. */
const isAdminFixable = (e: unknown) =>
  e instanceof MissingRemoteRealmError || e instanceof PushNotificationBouncerError || e instanceof PushNotificationsDisallowedByBouncerError;

/** `e.__class__.code.name` of a terminal failure, or null when the error is not terminal. */
export function registrationErrorCode(e: unknown): string | null {
  if (e instanceof InvalidBouncerPublicKeyError) return InvalidBouncerPublicKeyError.CODE;
  if (e instanceof RequestExpiredError) return RequestExpiredError.CODE;
  if (!(e instanceof BouncerJsonableError) || isRetryLaterError(e) || isAdminFixable(e)) return null;
  return 'BAD_REQUEST';
}

/**
 * push/e2ee/register with the worker's retries, logging the admin-fixable ERROR line on every
 * such failure. Resolves to the answer, `skipped` (paused) or a terminal error code; rethrows
 * anything else (the row stays pending).
 */
async function registerWithBouncer<T>(
  ctx: ZulipServerContext,
  send: () => Promise<T>,
  failedLine: string,
  label: string,
): Promise<{ ok: Exclude<T, { skipped: true }> } | { skipped: true } | { errorCode: string }> {
  try {
    const result = await ctx.bouncer.withRetries(
      async () => {
        try {
          return await send();
        } catch (e) {
          if (isAdminFixable(e)) ctx.zulipLog('error', failedLine, ROOT_LOGGER);
          throw e;
        }
      },
      { policy: REGISTRATION_RETRY_POLICY, label },
    );
    if (isSkipped(result)) return { skipped: true };
    return { ok: result as Exclude<T, { skipped: true }> };
  } catch (e) {
    const errorCode = registrationErrorCode(e);
    if (errorCode === null) throw e; // still pending; resumePendingRegistrations can retry
    return { errorCode };
  }
}

async function runJob12(ctx: ZulipServerContext, job: Job12): Promise<void> {
  const jobs = pendingJobs(ctx.state).devices;
  const current = () => {
    const d = ctx.state.clientDevices.get(job.deviceId);
    return d && d.userId === job.userId ? d : undefined;
  };
  const device = current();
  // Removed, or superseded by a newer request for this device.
  if (!device || jobs.get(job.deviceId) !== job) return;
  const realm = ctx.state.realm(ctx.state.user(job.userId).realmId);

  const outcome = await registerWithBouncer(
    ctx,
    () =>
      ctx.bouncer.registerE2eeDevice({
        realmUuid: realm.uuid,
        tokenId: job.tokenId,
        encryptedPushRegistration: job.encryptedPushRegistration,
        bouncerPublicKey: job.bouncerPublicKey,
      }),
    `Push device registration request for device_id=${job.deviceId} failed.`,
    `${REGISTRATION_TASK} device_id=${job.deviceId}`,
  );
  if ('skipped' in outcome) return;
  if (jobs.get(job.deviceId) === job) jobs.delete(job.deviceId);
  const d = current();
  if (!d) return;

  if ('errorCode' in outcome) {
    // handle_registration_to_bouncer_failure
    d.pushRegistrationErrorCode = outcome.errorCode;
    saveDevice(ctx, d);
    deviceEvent(ctx, d, { push_registration_error_code: outcome.errorCode });
    if (outcome.errorCode === RequestExpiredError.CODE) {
      ctx.zulipLog('error', `Push registration request for device_id=${job.deviceId} expired.`, ROOT_LOGGER);
    }
    return;
  }
  Object.assign(d, { pushTokenId: job.tokenId, pendingPushTokenId: null });
  saveDevice(ctx, d);
  deviceEvent(ctx, d, { push_token_id: job.tokenId, pending_push_token_id: null });
}

export function findPushDevice11(state: ServerState, userId: number, pushAccountId: number): PushDevice11 | undefined {
  return state.pushDevices11.find((r) => r.userId === userId && r.pushAccountId === pushAccountId);
}

async function runJob11(ctx: ZulipServerContext, job: Job11): Promise<void> {
  const jobs = pendingJobs(ctx.state).accounts;
  const key = accountKey(job.userId, job.pushAccountId);
  if (jobs.get(key) !== job || !findPushDevice11(ctx.state, job.userId, job.pushAccountId)) return;
  const user = ctx.state.user(job.userId);
  const realm = ctx.state.realm(user.realmId);
  const who = `user_id=${job.userId}, push_account_id=${job.pushAccountId}`;

  const outcome = await registerWithBouncer(
    ctx,
    () =>
      ctx.bouncer.registerE2eeDevice({
        realmUuid: realm.uuid,
        pushAccountId: job.pushAccountId,
        encryptedPushRegistration: job.encryptedPushRegistration,
        bouncerPublicKey: job.bouncerPublicKey,
      }),
    `Push device registration request for ${who} failed.`,
    `${REGISTRATION_TASK} ${who}`,
  );
  if ('skipped' in outcome) return;
  if (jobs.get(key) === job) jobs.delete(key);
  const row = findPushDevice11(ctx.state, job.userId, job.pushAccountId);
  if (!row) return;

  // Events carry push_account_id as an int (FL 450+; a string before).
  if ('errorCode' in outcome) {
    row.errorCode = outcome.errorCode;
    ctx.state.sendEvent(job.userId, { type: 'push_device', push_account_id: job.pushAccountId, status: 'failed', error_code: outcome.errorCode });
    if (outcome.errorCode === RequestExpiredError.CODE) {
      ctx.zulipLog('error', `Push device registration request for ${who} expired.`, ROOT_LOGGER);
    }
    return;
  }
  const deviceId = outcome.ok.device_id;
  // Zulip asserts an int here; a bouncer without it fails the task.
  if (typeof deviceId !== 'number') throw new Error('push/e2ee/register answered without a device_id');
  row.bouncerDeviceId = deviceId;
  ctx.state.sendEvent(job.userId, { type: 'push_device', push_account_id: job.pushAccountId, status: 'active' });
}

/** PushDevice.status (11.x /register `push_devices`; inferred order: failed, pending, active). */
export function pushDevice11Status(row: PushDevice11): 'active' | 'pending' | 'failed' {
  if (row.errorCode !== null) return 'failed';
  return row.bouncerDeviceId === null ? 'pending' : 'active';
}
