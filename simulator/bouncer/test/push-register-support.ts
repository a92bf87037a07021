/** Fixtures for the legacy device registration tests (push/register, push/unregister[/all]). */
import crypto from 'node:crypto';
import { call, type CallResult, type ServerIdentity, type TestBouncer } from './support';

export const PUSH_REGISTER = '/api/v1/remotes/push/register';
export const PUSH_UNREGISTER = '/api/v1/remotes/push/unregister';
export const PUSH_UNREGISTER_ALL = '/api/v1/remotes/push/unregister/all';

/** A 32-byte APNs device token in hex, as iOS reports it. */
export const apnsToken = () => crypto.randomBytes(32).toString('hex');
/** An FCM registration token (opaque text). */
export const fcmToken = () => `fcm-${crypto.randomBytes(24).toString('base64url')}:APA91b${crypto.randomBytes(8).toString('hex')}`;

/** Posts a form as a Zulip server does (values as given; real servers add `server_uuid`). */
export const post = (bouncer: TestBouncer, server: ServerIdentity, path: string, form: Record<string, string>) =>
  call(bouncer, 'POST', path, { form, auth: server });

export const success = { result: 'success', msg: '' };
export const badRequest = (msg: string) => ({ result: 'error', msg, code: 'BAD_REQUEST' });

export interface DeviceRow {
  id: number;
  remote_realm_id: number | null;
  user_id: number | null;
  user_uuid: string | null;
  kind: number;
  token: string;
  ios_app_id: string | null;
  last_updated: number;
}

/** The server's RemotePushDeviceToken rows, oldest first. */
export function devices(bouncer: TestBouncer, server: ServerIdentity): DeviceRow[] {
  return bouncer.query<DeviceRow>(
    `SELECT d.id, d.remote_realm_id, d.user_id, d.user_uuid, d.kind, d.token, d.ios_app_id, d.last_updated
     FROM remote_push_device_token d JOIN remote_zulip_server s ON s.id = d.server_id
     WHERE s.uuid = ? ORDER BY d.id`,
    server.uuid,
  );
}

/** Asserts the response is the success envelope (with `extra` fields). */
export function expectSuccess(res: CallResult, extra: Record<string, unknown> = {}): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { ...success, ...extra } });
}

/** Asserts a 400 BAD_REQUEST with this message. */
export function expectBadRequest(res: CallResult, msg: string): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: badRequest(msg) });
}
