/**
 * Apple's rejection reasons and the status each comes with — the one place they are listed
 * (providers.md §A1 "Responses": Apple's table, sideshow/apns2 response.go, Pushy RejectionReason).
 * An error body is always JSON `{"reason": …}` (410 adds `timestamp`): node-apn turns an error
 * with an empty body into a bare "stream ended unexpectedly" (client-redirect.md §1).
 */
import { FaultRuleError } from '../core/provider-mock/faults';

export const APNS_REASONS = {
  BadCollapseId: 400,
  BadDeviceToken: 400,
  BadExpirationDate: 400,
  BadMessageId: 400,
  BadPriority: 400,
  BadTopic: 400,
  DeviceTokenNotForTopic: 400,
  DuplicateHeaders: 400,
  IdleTimeout: 400,
  InvalidPushType: 400,
  MissingDeviceToken: 400,
  MissingTopic: 400,
  PayloadEmpty: 400,
  TopicDisallowed: 400,
  BadCertificate: 403,
  BadCertificateEnvironment: 403,
  ExpiredProviderToken: 403,
  Forbidden: 403,
  InvalidProviderToken: 403,
  MissingProviderToken: 403,
  UnrelatedKeyIdInToken: 403,
  BadEnvironmentKeyIdInToken: 403,
  BadPath: 404,
  MethodNotAllowed: 405,
  ExpiredToken: 410,
  Unregistered: 410,
  PayloadTooLarge: 413,
  TooManyProviderTokenUpdates: 429,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
  Shutdown: 503,
} as const;

export type ApnsReason = keyof typeof APNS_REASONS;

/** A refusal as APNs words it: status, reason, and for 410 the time the token stopped being valid. */
export interface ApnsRejection {
  status: number;
  reason: ApnsReason;
  /** ms since the epoch; only for 410 (Unregistered / ExpiredToken). */
  timestamp?: number;
  /** Why, in words, for the journal and log only: APNs' own body is just the reason. */
  detail?: string;
}

export const isApnsReason = (r: string): r is ApnsReason => Object.hasOwn(APNS_REASONS, r);

export const reject = (reason: ApnsReason, timestamp?: number): ApnsRejection =>
  timestamp === undefined ? { status: APNS_REASONS[reason], reason } : { status: APNS_REASONS[reason], reason, timestamp };

/** A rejection that says why (kept out of the response body). */
export const because = (reason: ApnsReason, detail: string): ApnsRejection => ({ status: APNS_REASONS[reason], reason, detail });

/** The 410 reasons carry a `timestamp` in their body. */
export const carriesTimestamp = (reason: ApnsReason) => APNS_REASONS[reason] === 410;

/** `Retry-After` only means something on 429 and 503 (RFC 9110 §10.2.3). */
export const takesRetryAfter = (status: number) => status === 429 || status === 503;

export function rejectionBody(r: ApnsRejection): string {
  return JSON.stringify(r.timestamp === undefined ? { reason: r.reason } : { reason: r.reason, timestamp: r.timestamp });
}

/**
 * FaultRules' `checkReason`: an `error` rule must name a reason from Apple's table, and may give
 * a status only if it is the documented one (a reason at the wrong status would teach a client
 * something APNs never does). The status is filled in from the table when the rule fires.
 */
export function checkFaultReason(reason: string, status?: number): void {
  if (!isApnsReason(reason)) {
    throw new FaultRuleError(`${reason} is not an APNs reason; use one of ${Object.keys(APNS_REASONS).join(', ')}`);
  }
  if (status !== undefined && status !== APNS_REASONS[reason]) {
    throw new FaultRuleError(`APNs answers ${reason} with status ${APNS_REASONS[reason]}, not ${status}`);
  }
}
