/**
 * What goes over the wire between a Zulip server and the bouncer (bouncer-protocol.md §1.2,
 * §3–§6, §10): the client's inputs (camelCase at the top, Zulip's own snake_case dicts inside,
 * since payload builders produce those) and the bouncer's success bodies.
 */

/** The secrets-file pair (`zulip_org_id`, `zulip_org_key`); read fresh for every request. */
export interface BouncerCredentials {
  zulipOrgId: string;
  zulipOrgKey: string;
}

/** Every endpoint under `/api/v1/remotes/` a Zulip server calls. */
export const ENDPOINT = {
  REGISTER: 'server/register',
  TRANSFER: 'server/register/transfer',
  VERIFY_CHALLENGE: 'server/register/verify_challenge',
  DEACTIVATE: 'server/deactivate',
  ANALYTICS: 'server/analytics',
  ANALYTICS_STATUS: 'server/analytics/status',
  PUSH_REGISTER: 'push/register',
  PUSH_UNREGISTER: 'push/unregister',
  PUSH_UNREGISTER_ALL: 'push/unregister/all',
  PUSH_NOTIFY: 'push/notify',
  PUSH_TEST_NOTIFICATION: 'push/test_notification',
  E2EE_REGISTER: 'push/e2ee/register',
  E2EE_NOTIFY: 'push/e2ee/notify',
} as const;
export type Endpoint = (typeof ENDPOINT)[keyof typeof ENDPOINT];

/** PushDeviceToken.APNS / .FCM: the legacy `token_kind` on the wire. */
export const TOKEN_KIND = { apns: 1, fcm: 2 } as const;
export type LegacyTokenKind = keyof typeof TOKEN_KIND;

// ---------------------------------------------------------------------------------------------
// Responses (Zulip's success envelope plus the endpoint's fields)

export type Success<T> = T & {
  result: 'success';
  msg: string;
  /** Present when the bouncer ignored some form fields (real servers' `server_uuid`). */
  ignored_parameters_unsupported?: string[];
};

/** A realm's push status as the bouncer reports it (notify `realm`, e2ee `realm_push_status`, analytics `realms`). */
export interface RealmPushStatus {
  can_push: boolean;
  /** Unix seconds, or null. */
  expected_end_timestamp: number | null;
}

export type RegisterServerResponse = Success<{ created: boolean }>;
export type TransferResponse = Success<{ verification_secret: string }>;
export type VerifyChallengeResponse = Success<{ zulip_org_id: string; zulip_org_key: string }>;
export type EmptyResponse = Success<Record<never, never>>;

export type AnalyticsStatusResponse = Success<{
  last_realm_count_id: number;
  last_installation_count_id: number;
  last_realmauditlog_id: number;
}>;

export type AnalyticsUploadResponse = Success<{ realms: Record<string, RealmPushStatus> }>;

export type PushNotifyResponse = Success<{
  total_android_devices: number;
  total_apple_devices: number;
  deleted_devices: { android_devices: string[]; apple_devices: string[] };
  /** null when the bouncer does not know the realm. */
  realm: RealmPushStatus | null;
}>;

/** 11.x answers `device_id`; 12.x answers nothing more. */
export type E2eeRegisterResponse = Success<{ device_id?: number }>;

export type E2eeNotifyResponse = Success<{
  apple_successfully_sent_count: number;
  android_successfully_sent_count: number;
  /** 12.x (FL 468+). */
  delete_token_ids?: string[];
  /** 11.x. */
  delete_device_ids?: number[];
  realm_push_status: RealmPushStatus;
}>;

// ---------------------------------------------------------------------------------------------
// Inputs

export interface RegisterServerInput {
  /** EXTERNAL_HOST. */
  hostname: string;
  /** ZULIP_ADMINISTRATOR. */
  contactEmail: string;
  /** `--rotate-key`: the new 64-character key. */
  newOrgKey?: string;
}

export interface VerifyChallengeInput {
  hostname: string;
  accessToken: string;
}

/** The user a legacy registration belongs to: real servers send both identities and the realm. */
export interface LegacyUserIdentity {
  userId: number;
  userUuid: string;
  /** 8.0+; null/absent only when imitating an older server. */
  realmUuid?: string | null;
}

export interface LegacyDeviceInput extends LegacyUserIdentity {
  token: string;
  tokenKind: LegacyTokenKind;
}

export interface RegisterPushDeviceInput extends LegacyDeviceInput {
  /** Sent (and required by the bouncer) for APNs only. */
  iosAppId?: string | null;
}

export interface LegacyNotifyInput extends LegacyUserIdentity {
  apnsPayload: Record<string, unknown>;
  gcmPayload: Record<string, unknown>;
  gcmOptions: Record<string, unknown>;
  androidDevices: string[];
  appleDevices: string[];
}

export interface TestNotificationInput extends LegacyDeviceInput {
  /** get_base_payload: {server, realm_id, realm_uri, realm_url, realm_name, user_id}. */
  basePayload: Record<string, unknown>;
}

interface E2eeRegisterCommon {
  realmUuid: string;
  encryptedPushRegistration: string;
  bouncerPublicKey: string;
}
/** 12.x (FL 468+) registers by `token_id`; 11.x by `push_account_id`. */
export type E2eeRegisterInput =
  | (E2eeRegisterCommon & { tokenId: string })
  | (E2eeRegisterCommon & { pushAccountId: number });

export interface ApnsHttpHeaders {
  apns_priority: 10 | 5 | 1;
  apns_push_type: string;
}

/** push/e2ee/notify items, 12.x (token_id / push_key_id). */
export type E2eePushRequest12 =
  | {
      token_id: string;
      http_headers: ApnsHttpHeaders;
      payload: { push_key_id: number; encrypted_data: string; aps: Record<string, unknown> };
    }
  | { token_id: string; fcm_priority: 'high' | 'normal'; payload: { push_key_id: number; encrypted_data: string } };

/** push/e2ee/notify items, 11.x (device_id / push_account_id). */
export type E2eePushRequest11 =
  | {
      device_id: number;
      http_headers: ApnsHttpHeaders;
      payload: { push_account_id: number; encrypted_data: string; aps: Record<string, unknown> };
    }
  | { device_id: number; fcm_priority: 'high' | 'normal'; payload: { push_account_id: number; encrypted_data: string } };

export interface E2eeNotifyInput {
  realmUuid: string;
  pushRequests: E2eePushRequest12[] | E2eePushRequest11[];
}

// ---------------------------------------------------------------------------------------------
// server/analytics (bouncer-protocol.md §10.2; remote_server.py *DataForAnalytics)

export interface RealmCountRow {
  property: string;
  realm: number;
  id: number;
  /** Unix seconds (float). */
  end_time: number;
  subgroup: string | null;
  value: number;
}

export interface InstallationCountRow {
  property: string;
  id: number;
  end_time: number;
  subgroup: string | null;
  value: number;
}

export interface RealmAuditLogRow {
  id: number;
  realm: number;
  event_time: number;
  backfilled: boolean;
  extra_data: string | Record<string, unknown> | null;
  event_type: number;
}

/** RealmDataForAnalytics (strict on the bouncer: exactly these keys). */
export interface RealmDataForAnalytics {
  id: number;
  uuid: string;
  uuid_owner_secret: string;
  host: string;
  url: string;
  deactivated: boolean;
  date_created: number;
  org_type: number;
  name: string;
  authentication_methods: Record<string, boolean>;
  is_system_bot_realm: boolean;
}

/** AnalyticsRequest: each field goes on the wire as a form value holding JSON. */
export interface AnalyticsRequest {
  realm_counts: RealmCountRow[];
  installation_counts: InstallationCountRow[];
  realmauditlog_rows?: RealmAuditLogRow[] | null;
  realms: RealmDataForAnalytics[];
  version: string | null;
  merge_base: string | null;
  api_feature_level: number | null;
}
