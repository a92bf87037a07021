/**
 * The fake Zulip server's side of every call to the push bouncer: one method per endpoint, with
 * the request shapes of zerver/lib/push_notifications.py, push_registration.py and
 * `manage.py register_server` (bouncer-protocol.md §1.2, §3–§6, §10; server-and-app.md §D, §E).
 *
 *  - Each method makes exactly one attempt (PushBouncerSession never retries); `withRetries`
 *    adds the queue workers' retries (retry.ts).
 *  - ZULIP_SERVICES_URL null = the service is paused: no request at all, the call answers
 *    `{skipped: true, endpoint, reason}`.
 *  - Encodings: form (server/register*, push/register, push/unregister[/all], push/e2ee/register),
 *    JSON body (push/notify, push/test_notification, push/e2ee/notify, server/deactivate),
 *    JSON-valued form (server/analytics), bare GET (server/analytics/status); see transport.ts
 *    for auth, User-Agent, timeouts and the error mapping.
 */
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logging';
import { resolveRetryPolicy, withRetries, type RetryPolicy, type WithRetriesOptions } from './retry';
import { BouncerTransport, type Body, type BouncerResult, type TransportOptions } from './transport';

type FormFields = Extract<Body, { kind: 'form' }>['fields'];
import {
  ENDPOINT,
  TOKEN_KIND,
  type AnalyticsRequest,
  type AnalyticsStatusResponse,
  type AnalyticsUploadResponse,
  type BouncerCredentials,
  type E2eeNotifyInput,
  type E2eeNotifyResponse,
  type E2eeRegisterInput,
  type E2eeRegisterResponse,
  type Endpoint,
  type EmptyResponse,
  type LegacyDeviceInput,
  type LegacyNotifyInput,
  type LegacyUserIdentity,
  type PushNotifyResponse,
  type RegisterPushDeviceInput,
  type RegisterServerInput,
  type RegisterServerResponse,
  type TestNotificationInput,
  type TransferResponse,
  type VerifyChallengeInput,
  type VerifyChallengeResponse,
} from './wire';

export {
  ANALYTICS_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  PAUSED_REASON,
  isSkipped,
  type BouncerResult,
  type BouncerSkipped,
} from './transport';

export interface BouncerClientOptions extends TransportOptions {
  /** Overrides of DEFAULT_RETRY_POLICY used by `withRetries`. */
  retry?: Partial<RetryPolicy>;
}

export class BouncerClient {
  private readonly opts: BouncerClientOptions;
  private readonly transport: BouncerTransport;
  readonly retryPolicy: RetryPolicy;

  constructor(opts: BouncerClientOptions) {
    this.opts = opts;
    this.transport = new BouncerTransport(opts);
    this.retryPolicy = resolveRetryPolicy(opts.retry);
  }

  /** ZULIP_SERVICES_URL as of now (null = paused). */
  get url(): string | null {
    return this.transport.url;
  }

  get paused(): boolean {
    return this.url === null;
  }

  get clock(): Clock {
    return this.opts.clock;
  }

  get logger(): Logger | undefined {
    return this.opts.logger;
  }

  /** A form POST whose fields need the credentials, read fresh when it is sent (rotation, transfer). */
  private sendForm<T>(endpoint: Endpoint, auth: boolean, fields: (c: BouncerCredentials) => FormFields): Promise<BouncerResult<T>> {
    return this.transport.send<T>({ method: 'POST', endpoint, auth, body: { kind: 'form', fields: {} } }, (c) => ({ kind: 'form', fields: fields(c) }));
  }

  // -------------------------------------------------------------------------------------------
  // Registration (manage.py register_server)

  /** `server/register`: register, update hostname/contact email, or rotate the key (`newOrgKey`). */
  registerServer(input: RegisterServerInput): Promise<BouncerResult<RegisterServerResponse>> {
    return this.sendForm(ENDPOINT.REGISTER, false, (c) => ({
        zulip_org_id: c.zulipOrgId,
        zulip_org_key: c.zulipOrgKey,
        hostname: input.hostname,
        contact_email: input.contactEmail,
        new_org_key: input.newOrgKey,
    }));
  }

  /** `server/deactivate` (`register_server --deactivate`): JSON body `{}`. */
  deactivateServer(): Promise<BouncerResult<EmptyResponse>> {
    return this.transport.send({ method: 'POST', endpoint: ENDPOINT.DEACTIVATE, auth: true, body: { kind: 'json', value: {} } });
  }

  /** `server/register/transfer` (no auth): asks for a verification secret for `hostname`. */
  transferRegistration(input: { hostname: string }): Promise<BouncerResult<TransferResponse>> {
    return this.transport.send({
      method: 'POST',
      endpoint: ENDPOINT.TRANSFER,
      auth: false,
      body: { kind: 'form', fields: { hostname: input.hostname } },
    });
  }

  /** `server/register/verify_challenge` (no auth): answers the new zulip_org_id / zulip_org_key. */
  verifyTransferChallenge(input: VerifyChallengeInput): Promise<BouncerResult<VerifyChallengeResponse>> {
    return this.transport.send({
      method: 'POST',
      endpoint: ENDPOINT.VERIFY_CHALLENGE,
      auth: false,
      body: { kind: 'form', fields: { hostname: input.hostname, access_token: input.accessToken } },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Analytics

  /** `GET server/analytics/status`: the last ids the bouncer holds. */
  analyticsStatus(): Promise<BouncerResult<AnalyticsStatusResponse>> {
    return this.transport.send({ method: 'GET', endpoint: ENDPOINT.ANALYTICS_STATUS, auth: true, body: { kind: 'none' } });
  }

  /** `POST server/analytics`: JSON-valued form (each field a JSON document), 90 s timeout. */
  uploadAnalytics(request: AnalyticsRequest): Promise<BouncerResult<AnalyticsUploadResponse>> {
    const fields: Record<string, unknown> = {
      realm_counts: request.realm_counts,
      installation_counts: request.installation_counts,
      realmauditlog_rows: request.realmauditlog_rows,
      realms: request.realms,
      version: request.version,
      merge_base: request.merge_base,
      api_feature_level: request.api_feature_level,
    };
    return this.transport.send({ method: 'POST', endpoint: ENDPOINT.ANALYTICS, auth: true, body: { kind: 'jsonForm', fields } });
  }

  // -------------------------------------------------------------------------------------------
  // Legacy devices and notifications (push_notifications.py)

  /** `push/register` (add_push_device_token): form incl. `server_uuid`, `user_id` as a string. */
  registerPushDevice(input: RegisterPushDeviceInput): Promise<BouncerResult<EmptyResponse>> {
    return this.sendForm(ENDPOINT.PUSH_REGISTER, true, (c) => ({
        server_uuid: c.zulipOrgId,
        user_uuid: input.userUuid,
        realm_uuid: input.realmUuid,
        user_id: String(input.userId),
        token: input.token,
        token_kind: TOKEN_KIND[input.tokenKind],
        ...(input.tokenKind === 'apns' ? { ios_app_id: input.iosAppId } : {}),
    }));
  }

  /** `push/unregister` (remove_push_device_token). */
  unregisterPushDevice(input: LegacyDeviceInput): Promise<BouncerResult<EmptyResponse>> {
    return this.sendForm(ENDPOINT.PUSH_UNREGISTER, true, (c) => ({
        server_uuid: c.zulipOrgId,
        realm_uuid: input.realmUuid,
        user_uuid: input.userUuid,
        user_id: input.userId,
        token: input.token,
        token_kind: TOKEN_KIND[input.tokenKind],
    }));
  }

  /** `push/unregister/all` (clear_push_device_tokens: API key regenerated, user deactivated). */
  unregisterAllPushDevices(input: LegacyUserIdentity): Promise<BouncerResult<EmptyResponse>> {
    return this.sendForm(ENDPOINT.PUSH_UNREGISTER_ALL, true, (c) => ({
        server_uuid: c.zulipOrgId,
        realm_uuid: input.realmUuid,
        user_uuid: input.userUuid,
        user_id: input.userId,
    }));
  }

  /** `push/notify` (send_notifications_to_bouncer): JSON body. */
  notify(input: LegacyNotifyInput): Promise<BouncerResult<PushNotifyResponse>> {
    const value: Record<string, unknown> = {
      user_uuid: input.userUuid,
      user_id: input.userId,
      ...(input.realmUuid == null ? {} : { realm_uuid: input.realmUuid }),
      apns_payload: input.apnsPayload,
      gcm_payload: input.gcmPayload,
      gcm_options: input.gcmOptions,
      android_devices: input.androidDevices,
      apple_devices: input.appleDevices,
    };
    return this.transport.send({ method: 'POST', endpoint: ENDPOINT.PUSH_NOTIFY, auth: true, body: { kind: 'json', value } });
  }

  /** `push/test_notification` (send_test_push_notification): JSON body, one device. */
  sendTestNotification(input: TestNotificationInput): Promise<BouncerResult<EmptyResponse>> {
    const value: Record<string, unknown> = {
      realm_uuid: input.realmUuid ?? null,
      user_uuid: input.userUuid,
      user_id: input.userId,
      token: input.token,
      token_kind: TOKEN_KIND[input.tokenKind],
      base_payload: input.basePayload,
    };
    return this.transport.send({
      method: 'POST',
      endpoint: ENDPOINT.PUSH_TEST_NOTIFICATION,
      auth: true,
      body: { kind: 'json', value },
    });
  }

  // -------------------------------------------------------------------------------------------
  // E2EE (push_registration.py, push_notifications.py send_push_notifications)

  /** `push/e2ee/register`: form; 12.x `token_id`, 11.x `push_account_id`. */
  registerE2eeDevice(input: E2eeRegisterInput): Promise<BouncerResult<E2eeRegisterResponse>> {
    const fields: Record<string, string | number> = { realm_uuid: input.realmUuid };
    if ('tokenId' in input) fields.token_id = input.tokenId;
    else fields.push_account_id = input.pushAccountId;
    fields.encrypted_push_registration = input.encryptedPushRegistration;
    fields.bouncer_public_key = input.bouncerPublicKey;
    return this.transport.send({ method: 'POST', endpoint: ENDPOINT.E2EE_REGISTER, auth: true, body: { kind: 'form', fields } });
  }

  /** `push/e2ee/notify`: JSON body `{realm_uuid, push_requests}`, one request for all the user's devices. */
  e2eeNotify(input: E2eeNotifyInput): Promise<BouncerResult<E2eeNotifyResponse>> {
    return this.transport.send({
      method: 'POST',
      endpoint: ENDPOINT.E2EE_NOTIFY,
      auth: true,
      body: { kind: 'json', value: { realm_uuid: input.realmUuid, push_requests: input.pushRequests } },
    });
  }

  // -------------------------------------------------------------------------------------------

  /** Runs `op` with this client's retry policy (overridable per call), waiting on this client's clock. */
  withRetries<T>(op: (attempt: number) => Promise<T>, opts: Omit<WithRetriesOptions, 'clock'> = {}): Promise<T> {
    return withRetries(op, {
      clock: this.opts.clock,
      logger: this.opts.logger,
      ...opts,
      policy: { ...this.retryPolicy, ...opts.policy },
    });
  }
}
