/**
 * The app-facing device API of a Zulip server (server-and-app.md §D), as a phone calls it.
 *
 * `ZulipAccountApi` is what a phone needs; `HttpZulipAccountApi` implements it over HTTP the way
 * the app does: `<realm>/api/v1/...`, HTTP Basic with the user's email and API key, form-encoded
 * parameters (also for DELETE), Zulip's `{"result": "success"|"error", "msg", "code"}` envelope.
 * The fake Zulip server may implement the interface in-process instead.
 *
 *   POST/DELETE users/me/apns_device_token   token, appid (POST only)            legacy, iOS
 *   POST/DELETE users/me/android_gcm_reg_id  token                              legacy, Android
 *   POST register_client_device              → device_id                        12.x (FL 468)
 *   POST remove_client_device                device_id                          12.x (FL 470)
 *   POST mobile_push/register                device_id + key group and/or token group (12.x)
 *                                            or token_kind, push_account_id, push_key,
 *                                            bouncer_public_key, encrypted_push_registration (11.x)
 */
import type { TokenKind } from './registration';

export type LegacyRegistration = { tokenKind: 'apns'; token: string; appId: string } | { tokenKind: 'fcm'; token: string };

/** 12.x key group: both or neither. */
export interface E2eeKeyGroup {
  pushKeyId: number;
  /** base64 of the 33-byte push key. */
  pushKey: string;
}

/** 12.x token group: all four or none. */
export interface E2eeTokenGroup {
  tokenKind: TokenKind;
  tokenId: string;
  bouncerPublicKey: string;
  encryptedPushRegistration: string;
}

/** `POST /api/v1/mobile_push/register` (12.x): at least one group. */
export interface E2eeRegistration {
  deviceId: number;
  key?: E2eeKeyGroup;
  token?: E2eeTokenGroup;
}

/** `POST /api/v1/mobile_push/register` (11.x, FL 406–467; the later `push_key` form). */
export interface E2ee11Registration {
  tokenKind: TokenKind;
  pushAccountId: number;
  pushKey: string;
  bouncerPublicKey: string;
  encryptedPushRegistration: string;
}

export interface ZulipAccountApi {
  registerLegacy(r: LegacyRegistration): Promise<void>;
  unregisterLegacy(r: { tokenKind: TokenKind; token: string }): Promise<void>;
  registerClientDevice(): Promise<{ deviceId: number }>;
  registerE2ee(r: E2eeRegistration): Promise<void>;
  /** FL 470+. */
  removeClientDevice?(deviceId: number): Promise<void>;
  /** 11.x servers only; the Flutter app never used it. */
  registerE2ee11?(r: E2ee11Registration): Promise<void>;
}

/** A Zulip error answer (or a non-JSON one): status, `code` (BAD_REQUEST when absent), `msg`. */
export class ZulipApiError extends Error {
  override name = 'ZulipApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly msg: string,
    readonly route: string,
  ) {
    super(`${route} answered ${status} ${code}: ${msg}`);
  }
}

export interface HttpZulipAccountApiOptions {
  /** The realm's URL, e.g. https://chat.example.com (the API is at <realmUrl>/api/v1/). */
  realmUrl: string;
  email: string;
  apiKey: string;
  /** Default `ZulipFlutter/simulated`. */
  userAgent?: string;
  /** For a server behind a private CA, pass a fetch bound to a suitable dispatcher. Default: global fetch. */
  fetch?: typeof fetch;
}

export const LEGACY_ROUTES = { apns: 'users/me/apns_device_token', fcm: 'users/me/android_gcm_reg_id' } as const;

export class HttpZulipAccountApi implements ZulipAccountApi {
  private readonly base: string;
  private readonly authorization: string;

  constructor(private readonly options: HttpZulipAccountApiOptions) {
    this.base = `${options.realmUrl.replace(/\/+$/, '')}/api/v1/`;
    this.authorization = 'Basic ' + Buffer.from(`${options.email}:${options.apiKey}`, 'utf8').toString('base64');
  }

  async registerLegacy(r: LegacyRegistration): Promise<void> {
    const form: Record<string, string> = r.tokenKind === 'apns' ? { token: r.token, appid: r.appId } : { token: r.token };
    await this.call('POST', LEGACY_ROUTES[r.tokenKind], form);
  }

  async unregisterLegacy(r: { tokenKind: TokenKind; token: string }): Promise<void> {
    await this.call('DELETE', LEGACY_ROUTES[r.tokenKind], { token: r.token });
  }

  async registerClientDevice(): Promise<{ deviceId: number }> {
    const body = await this.call('POST', 'register_client_device', {});
    if (!Number.isSafeInteger(body.device_id)) throw new ZulipApiError(200, 'BAD_RESPONSE', 'no integer device_id in the answer', 'register_client_device');
    return { deviceId: body.device_id as number };
  }

  async removeClientDevice(deviceId: number): Promise<void> {
    await this.call('POST', 'remove_client_device', { device_id: String(deviceId) });
  }

  async registerE2ee(r: E2eeRegistration): Promise<void> {
    if (!r.key && !r.token) throw new Error('mobile_push/register needs the key group, the token group or both');
    const form: Record<string, string> = { device_id: String(r.deviceId) };
    if (r.key) Object.assign(form, { push_key_id: String(r.key.pushKeyId), push_key: r.key.pushKey });
    if (r.token) {
      Object.assign(form, {
        token_kind: r.token.tokenKind,
        token_id: r.token.tokenId,
        bouncer_public_key: r.token.bouncerPublicKey,
        encrypted_push_registration: r.token.encryptedPushRegistration,
      });
    }
    await this.call('POST', 'mobile_push/register', form);
  }

  async registerE2ee11(r: E2ee11Registration): Promise<void> {
    await this.call('POST', 'mobile_push/register', {
      token_kind: r.tokenKind,
      push_account_id: String(r.pushAccountId),
      push_key: r.pushKey,
      bouncer_public_key: r.bouncerPublicKey,
      encrypted_push_registration: r.encryptedPushRegistration,
    });
  }

  /** One request; a success body, or a ZulipApiError. Never retries. */
  private async call(method: 'POST' | 'DELETE', route: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    const doFetch = this.options.fetch ?? fetch;
    const res = await doFetch(this.base + route, {
      method,
      headers: {
        authorization: this.authorization,
        'user-agent': this.options.userAgent ?? 'ZulipFlutter/simulated',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      /* described below */
    }
    if (res.status === 200 && body.result === 'success') return body;
    const code = typeof body.code === 'string' ? body.code : 'BAD_REQUEST';
    const msg = typeof body.msg === 'string' ? body.msg : `non-Zulip answer: ${text.slice(0, 200)}`;
    throw new ZulipApiError(res.status, code, msg, `${method} /api/v1/${route}`);
  }
}
