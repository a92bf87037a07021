/**
 * How the mock FCM says no: `google.rpc.Status` envelopes, exactly as FCM HTTP v1 sends them
 * (providers.md §A2 "Errors"):
 *
 *   {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
 *              "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
 *                           "errorCode": "UNREGISTERED"}]}}
 *
 * Two kinds of detail, never both (firebase.google.com/docs/cloud-messaging/error-codes, examples 1
 * and 2): request-parsing failures carry only a `google.rpc.BadRequest` (field violations), FCM's
 * own refusals only an `FcmError`. Authentication failures carry neither. Clients key off the
 * FcmError first, then `status` (firebase-admin `getErrorCode`), so both shapes map correctly.
 */
import { FaultRuleError } from '../core/provider-mock/faults';

export const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
export const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
export const QUOTA_FAILURE_TYPE = 'type.googleapis.com/google.rpc.QuotaFailure';

/** HTTP status → google.rpc canonical code name (google/rpc/code.proto HTTP mapping). */
const CANONICAL_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const canonicalStatus = (httpStatus: number): string => CANONICAL_STATUS[httpStatus] ?? 'UNKNOWN';

export interface FcmErrorSpec {
  httpStatus: number;
  /** The `message` FCM sends with it when nothing more specific applies. */
  message: string;
}

/**
 * The FcmError table (providers.md §A2; firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode).
 * UNSPECIFIED_ERROR has no documented status, so fault rules cannot ask for it.
 * Messages marked (inferred) were not found in a captured response.
 */
export const FCM_ERRORS = {
  INVALID_ARGUMENT: { httpStatus: 400, message: 'Request contains an invalid argument.' },
  UNREGISTERED: { httpStatus: 404, message: 'Requested entity was not found.' },
  SENDER_ID_MISMATCH: { httpStatus: 403, message: 'SenderId mismatch' },
  QUOTA_EXCEEDED: { httpStatus: 429, message: 'Quota exceeded for sending messages.' /* (inferred) */ },
  UNAVAILABLE: { httpStatus: 503, message: 'The service is currently unavailable.' },
  INTERNAL: { httpStatus: 500, message: 'Internal error encountered.' },
  THIRD_PARTY_AUTH_ERROR: { httpStatus: 401, message: 'Auth error from APNS or Web Push Service' },
} as const satisfies Record<string, FcmErrorSpec>;

export type FcmErrorCode = keyof typeof FCM_ERRORS;

export const isFcmErrorCode = (code: string): code is FcmErrorCode => Object.hasOwn(FCM_ERRORS, code);

/** FaultRules' `checkReason`: only codes of the table, at an HTTP error status. */
export function checkFcmReason(reason: string, status?: number): void {
  if (!isFcmErrorCode(reason)) {
    throw new FaultRuleError(`${reason} is not an FcmError code; use one of ${Object.keys(FCM_ERRORS).join(', ')}`);
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    throw new FaultRuleError(`status must be an HTTP error status (400..599), not ${status}`);
  }
}

export interface FieldViolation {
  field?: string;
  description: string;
}

/** A refusal in google.rpc.Status form; `reason` is what the journal records. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly details: Record<string, unknown>[] = [],
    /** FcmError code, else the canonical status. */
    readonly reason: string = canonicalStatus(httpStatus),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): string {
    return canonicalStatus(this.httpStatus);
  }

  toJSON(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.httpStatus, message: this.message, status: this.status };
    if (this.details.length > 0) error.details = this.details;
    return { error };
  }
}

/** An FCM refusal: the table's status, an FcmError detail, `Retry-After` when asked for. */
export function fcmError(
  code: FcmErrorCode,
  opts: { message?: string; httpStatus?: number; retryAfterSeconds?: number } = {},
): RpcError {
  const spec = FCM_ERRORS[code];
  const details: Record<string, unknown>[] = [{ '@type': FCM_ERROR_TYPE, errorCode: code }];
  // QUOTA_EXCEEDED comes with a QuotaFailure (providers.md §A2 table).
  if (code === 'QUOTA_EXCEEDED') {
    details.push({ '@type': QUOTA_FAILURE_TYPE, violations: [{ subject: 'fcm.googleapis.com', description: 'Sending rate exceeded.' }] });
  }
  const headers: Record<string, string> = {};
  // Retry-After only where FCM documents it: QUOTA_EXCEEDED and UNAVAILABLE.
  if (opts.retryAfterSeconds !== undefined && (code === 'QUOTA_EXCEEDED' || code === 'UNAVAILABLE')) {
    headers['retry-after'] = String(opts.retryAfterSeconds);
  }
  return new RpcError(opts.httpStatus ?? spec.httpStatus, opts.message ?? spec.message, details, code, headers);
}

/** A request-parsing failure: 400 INVALID_ARGUMENT with only a BadRequest detail (error-codes example 1). */
export function badRequest(violations: FieldViolation[]): RpcError {
  const message = violations.map((v) => v.description).join('\n');
  return new RpcError(400, message, [{ '@type': BAD_REQUEST_TYPE, fieldViolations: violations }]);
}

const CREDENTIAL_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/**
 * 401 without an FcmError (providers.md §A2, wire capture in beste/laravel-firebase#254). Google
 * words a missing credential and a bad or expired one differently; clients only see the status.
 */
export function unauthenticated(kind: 'missing' | 'invalid'): RpcError {
  const message =
    kind === 'missing'
      ? `Request is missing required authentication credential. ${CREDENTIAL_HINT}`
      : `Request had invalid authentication credentials. ${CREDENTIAL_HINT}`;
  return new RpcError(401, message, [], 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
}

/** 403 without an FcmError: an access token for another project (IAM's wording). */
export function permissionDenied(project: string): RpcError {
  return new RpcError(
    403,
    `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
  );
}

/** 403 without an FcmError: a token minted for scopes that do not cover FCM. */
export function insufficientScopes(): RpcError {
  return new RpcError(403, 'Request had insufficient authentication scopes.');
}
