/**
 * The test side of E2EE registration: what the mobile app builds (server-and-app.md §A.2) and
 * what the Zulip server forwards to `push/e2ee/register` (§D.2 / §D.3), plus realm setup.
 *
 *   encrypted_push_registration = base64(crypto_box_seal(utf8(json(PushRegistration)), bouncerPublicKey))
 *   token_id                    = base64(sha256(token)[0:8])
 */
import crypto from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { realmFixture, uploadRealms, type RealmFixture } from './analytics-fixtures';
import { call, registerServer, type CallResult, type ServerIdentity, type TestBouncer } from './support';

export const E2EE_REGISTER = '/api/v1/remotes/push/e2ee/register';

export interface PushRegistrationPlain {
  token: string;
  token_kind: string;
  ios_app_id?: string | null;
  timestamp?: unknown;
}

/**
 * Seals a registration as the Flutter app does: JSON keys in json_serializable order
 * (token_kind, token, timestamp, ios_app_id), ios_app_id omitted when null (Android), unless
 * `explicitNull` asks for Zulip's test shape (`"ios_app_id": null`). `timestamp` defaults to the
 * bouncer's virtual now, in whole seconds.
 */
export async function sealRegistration(
  bouncerPublicKey: string,
  reg: PushRegistrationPlain,
  opts: { nowMs?: number; explicitNull?: boolean } = {},
): Promise<string> {
  await sodium.ready;
  const plain: Record<string, unknown> = {
    token_kind: reg.token_kind,
    token: reg.token,
    timestamp: 'timestamp' in reg ? reg.timestamp : Math.floor((opts.nowMs ?? Date.now()) / 1000),
  };
  if (reg.ios_app_id !== null && reg.ios_app_id !== undefined) plain.ios_app_id = reg.ios_app_id;
  else if (opts.explicitNull) plain.ios_app_id = null;
  return sealBytes(bouncerPublicKey, Buffer.from(JSON.stringify(plain), 'utf8'));
}

/** A sealed box of arbitrary bytes (for malformed-plaintext cases). */
export async function sealBytes(bouncerPublicKey: string, plaintext: Uint8Array): Promise<string> {
  await sodium.ready;
  return Buffer.from(sodium.crypto_box_seal(plaintext, Buffer.from(bouncerPublicKey, 'base64'))).toString('base64');
}

/** base64(sha256(token)[0:8]), as the app computes it. */
export function appTokenId(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest().subarray(0, 8).toString('base64');
}

/** An APNs-looking token (64 hex digits). */
export const apnsToken = () => crypto.randomBytes(32).toString('hex');
/** An FCM-looking token. */
export const fcmToken = () => `fcm-${crypto.randomBytes(24).toString('base64url')}:APA91b${crypto.randomBytes(40).toString('base64url')}`;

export interface E2eeSetup {
  server: ServerIdentity;
  realm: RealmFixture;
}

/** A registered server with one RemoteRealm (created through an analytics upload). */
export async function serverWithRealm(bouncer: TestBouncer): Promise<E2eeSetup> {
  const server = await registerServer(bouncer);
  const realm = realmFixture();
  const res = await uploadRealms(bouncer, server, [{ realm, auditId: 1 }]);
  if (res.status !== 200) throw new Error(`realm upload failed: ${res.status} ${res.text}`);
  return { server, realm };
}

export interface RegisterArgs {
  token: string;
  token_kind?: string;
  ios_app_id?: string | null;
  /** Overrides the plaintext timestamp (defaults to the virtual now). */
  timestamp?: unknown;
  /** 11.x */
  push_account_id?: number | string;
  /** 12.x; defaults to the token's id. */
  token_id?: string;
  bouncer_public_key?: string;
  encrypted_push_registration?: string;
  realm_uuid?: string;
}

/**
 * The form a Zulip server of the bouncer's profile sends, with a freshly sealed registration;
 * any field can be overridden.
 */
export async function e2eeRegisterForm(bouncer: TestBouncer, setup: E2eeSetup, a: RegisterArgs): Promise<Record<string, string>> {
  const key = a.bouncer_public_key ?? bouncer.e2eePublicKey;
  const kind = a.token_kind ?? 'apns';
  const plain: PushRegistrationPlain = {
    token: a.token,
    token_kind: kind,
    ios_app_id: 'ios_app_id' in a ? a.ios_app_id : kind === 'apns' ? 'org.zulip.Zulip' : null,
  };
  if ('timestamp' in a) plain.timestamp = a.timestamp;
  const encrypted =
    a.encrypted_push_registration ??
    (await sealRegistration(ownKeyFor(bouncer, key), plain, { nowMs: bouncer.clock.now() }));
  const form: Record<string, string> = { realm_uuid: a.realm_uuid ?? setup.realm.uuid };
  if (bouncer.config.e2eeProfile === 11) form.push_account_id = String(a.push_account_id ?? 2408);
  else form.token_id = a.token_id ?? appTokenId(a.token);
  form.encrypted_push_registration = encrypted;
  form.bouncer_public_key = key;
  return form;
}

/** A bad bouncer_public_key still needs something to seal to: use the current key then. */
function ownKeyFor(bouncer: TestBouncer, key: string): string {
  return Buffer.from(key, 'base64').length === 32 ? key : bouncer.e2eePublicKey;
}

export async function registerE2ee(bouncer: TestBouncer, setup: E2eeSetup, a: RegisterArgs): Promise<CallResult> {
  return call(bouncer, 'POST', E2EE_REGISTER, { form: await e2eeRegisterForm(bouncer, setup, a), auth: setup.server });
}

export const invalidRegistration = {
  result: 'error',
  msg: 'Invalid encrypted_push_registration',
  code: 'BAD_REQUEST',
};

/** Device rows of a realm; token_id/push_account_id as SQL text, so no precision is lost. */
export function deviceRows(bouncer: TestBouncer, realmUuid: string) {
  return bouncer.query<{
    device_id: number;
    token: string;
    token_kind: string;
    ios_app_id: string | null;
    push_account_id: string | null;
    token_id: string | null;
    expired_time: number | null;
  }>(
    `SELECT d.device_id, d.token, d.token_kind, d.ios_app_id, CAST(d.push_account_id AS TEXT) AS push_account_id,
            CAST(d.token_id AS TEXT) AS token_id, d.expired_time
     FROM remote_push_device d JOIN remote_realm r ON r.id = d.remote_realm_id WHERE r.uuid = ? ORDER BY d.device_id`,
    realmUuid,
  );
}

/** The signed int64 a base64 token_id stands for, as decimal text. */
export function tokenIdAsInt64Text(tokenId: string): string {
  return Buffer.from(tokenId, 'base64').readBigInt64BE(0).toString();
}
