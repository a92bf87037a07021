/** Zulip's numeric constants the bouncer stores or compares (bouncer-protocol.md §8, §10, §11). */

export const PLAN_TYPE = {
  SELF_HOSTED: 1,
  SELF_MANAGED: 100,
  SELF_MANAGED_LEGACY: 101,
  COMMUNITY: 102,
  BASIC: 103,
  BUSINESS: 104,
  ENTERPRISE: 105,
} as const;

/** RemoteZulipServerAuditLog event types. */
export const SERVER_AUDIT = {
  REMOTE_SERVER_DEACTIVATED: 10201,
  REMOTE_SERVER_PLAN_TYPE_CHANGED: 10204,
  REMOTE_SERVER_CREATED: 10215,
  REMOTE_SERVER_REGISTRATION_TRANSFERRED: 10216,
} as const;

/** RemoteRealmAuditLog event types the bouncer writes itself. */
export const REALM_AUDIT = {
  REMOTE_REALM_VALUE_UPDATED: 20001,
  REMOTE_REALM_LOCALLY_DELETED: 20003,
  REMOTE_REALM_LOCALLY_DELETED_RESTORED: 20004,
} as const;

/** Audit event types a server may upload (SYNCED_BILLING_EVENTS, §10.2 step 3). */
export const SYNCED_BILLING_EVENTS: ReadonlySet<number> = new Set([
  101, // USER_CREATED
  102, // USER_ACTIVATED
  103, // USER_DEACTIVATED
  104, // USER_REACTIVATED
  105, // USER_ROLE_CHANGED
  201, // REALM_DEACTIVATED
  202, // REALM_REACTIVATED
  229, // REALM_IMPORTED
]);

/** CustomerPlan.status values (corporate/models.py). */
export const PLAN_STATUS = {
  ACTIVE: 1,
  DOWNGRADE_AT_END_OF_CYCLE: 2,
  FREE_TRIAL: 3,
  SWITCH_TO_ANNUAL_AT_END_OF_CYCLE: 4,
  SWITCH_PLAN_TIER_NOW: 5,
  SWITCH_TO_MONTHLY_AT_END_OF_CYCLE: 6,
  DOWNGRADE_AT_END_OF_FREE_TRIAL: 7,
  SWITCH_PLAN_TIER_AT_PLAN_END: 8,
  LIVE_STATUS_THRESHOLD: 10,
  ENDED: 11,
  NEVER_STARTED: 12,
} as const;

/** Legacy token kinds (§4). */
export const TOKEN_KIND = { APNS: 1, FCM: 2 } as const;

export const UUID_LENGTH = 36;
export const API_KEY_LENGTH = 64;
export const HOSTNAME_MAX_LENGTH = 128;
