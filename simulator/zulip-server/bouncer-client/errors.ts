/**
 * The exceptions a Zulip server's bouncer client raises (zerver/lib/remote_server.py
 * send_to_push_bouncer, zerver/lib/push_notifications.py, zerver/lib/exceptions.py;
 * server-and-app.md §E), with Zulip's class hierarchy kept, because callers react by class:
 *
 *   BouncerJsonableError                      JsonableError(msg): "other 4xx", carries the bouncer's code/msg/fields
 *   ├─ PushNotificationBouncerRetryLaterError network errors and timeouts ("<ExcName> while trying to connect ...")
 *   │  └─ PushNotificationBouncerServerError  status >= 500 ("Received <status> from push notification bouncer")
 *   ├─ InvalidRemotePushDeviceTokenError      push/test_notification + INVALID_REMOTE_PUSH_DEVICE_TOKEN
 *   ├─ MissingRemoteRealmError                push/e2ee/{register,notify} + MISSING_REMOTE_REALM
 *   ├─ InvalidBouncerPublicKeyError           push/e2ee/register + INVALID_BOUNCER_PUBLIC_KEY
 *   └─ RequestExpiredError                    push/e2ee/register + REQUEST_EXPIRED
 *   PushNotificationBouncerError              INVALID_ZULIP_SERVER, unexpected status ("email the admins"; not Jsonable)
 *   PushNotificationsDisallowedByBouncerError PUSH_NOTIFICATIONS_DISALLOWED (reason = the bouncer's msg; not Jsonable)
 *   BouncerJsonDecodeError                    an unparseable body (Zulip lets orjson.JSONDecodeError propagate)
 *
 * Messages never contain request payloads or credentials: only the endpoint, a status, a code
 * and the bouncer's own `msg`.
 */

export interface BouncerErrorDetails {
  /** The endpoint under /api/v1/remotes/, e.g. `push/notify`. */
  endpoint?: string;
  /** The bouncer's HTTP status, when it answered. */
  status?: number;
  /** The bouncer's error `code` (absent when its body had none). */
  code?: string | null;
  /** Extra top-level fields of the bouncer's error body (e.g. `retry-after`, `role`, `hostname`). */
  data?: Record<string, unknown>;
  /** The bouncer's `Retry-After` header, if any. */
  retryAfterHeader?: string | null;
}

/** zerver.lib.exceptions.JsonableError as the bouncer client raises it: the bouncer's msg, code and fields. */
export class BouncerJsonableError extends Error {
  /** What the Zulip server would answer its own client if this surfaced in a request (502 for retry-later errors). */
  readonly httpStatusCode: number = 400;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  readonly code: string | null;
  readonly data: Record<string, unknown>;
  private readonly retryAfterHeader: string | null;

  constructor(msg: string, details: BouncerErrorDetails = {}) {
    super(msg);
    this.name = new.target.name;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.code = details.code ?? null;
    this.data = details.data ?? {};
    this.retryAfterHeader = details.retryAfterHeader ?? null;
  }

  /** Zulip's `e.msg`. */
  get msg(): string {
    return this.message;
  }

  /** The bouncer's `retry-after` (seconds; the JSON field, else the header), or null. */
  get retryAfterSeconds(): number | null {
    const field = this.data['retry-after'];
    if (typeof field === 'number' && Number.isFinite(field) && field >= 0) return field;
    if (this.retryAfterHeader !== null) {
      const n = Number(this.retryAfterHeader);
      if (Number.isFinite(n) && n >= 0) return n;
    }
    return null;
  }
}

/** Network trouble or a bouncer outage: try again later (Zulip answers its own clients 502). */
export class PushNotificationBouncerRetryLaterError extends BouncerJsonableError {
  override readonly httpStatusCode: number = 502;
}

/** The bouncer answered 5xx. Not under the server's control, so it never disables pushes. */
export class PushNotificationBouncerServerError extends PushNotificationBouncerRetryLaterError {}

/** INVALID_ZULIP_SERVER (bad credentials, or a pre-8.0 plan refusal) and unexpected statuses: Zulip emails the admins. */
export class PushNotificationBouncerError extends Error {
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  readonly code: string | null;
  readonly data: Record<string, unknown>;

  constructor(msg: string, details: BouncerErrorDetails = {}) {
    super(msg);
    this.name = 'PushNotificationBouncerError';
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.code = details.code ?? null;
    this.data = details.data ?? {};
  }
}

/** PUSH_NOTIFICATIONS_DISALLOWED: the realm's plan does not allow pushes; `reason` is the bouncer's msg. */
export class PushNotificationsDisallowedByBouncerError extends Error {
  readonly reason: string;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  readonly code = 'PUSH_NOTIFICATIONS_DISALLOWED';

  constructor(reason: string, details: BouncerErrorDetails = {}) {
    super(reason);
    this.name = 'PushNotificationsDisallowedByBouncerError';
    this.reason = reason;
    this.endpoint = details.endpoint;
    this.status = details.status;
  }
}

/** Zulip builds these with fixed messages and codes; the bouncer's own text is kept on `bouncerMsg`. */
abstract class FixedJsonableError extends BouncerJsonableError {
  readonly bouncerMsg: string;
  constructor(msg: string, code: string, bouncerMsg: string, details: BouncerErrorDetails) {
    super(msg, { ...details, code });
    this.bouncerMsg = bouncerMsg;
  }
}

export class InvalidRemotePushDeviceTokenError extends FixedJsonableError {
  static readonly CODE = 'INVALID_REMOTE_PUSH_DEVICE_TOKEN';
  constructor(bouncerMsg: string, details: BouncerErrorDetails = {}) {
    super('Device not recognized by the push bouncer', InvalidRemotePushDeviceTokenError.CODE, bouncerMsg, details);
  }
}

export class MissingRemoteRealmError extends FixedJsonableError {
  static readonly CODE = 'MISSING_REMOTE_REALM';
  override readonly httpStatusCode: number = 403;
  constructor(bouncerMsg: string, details: BouncerErrorDetails = {}) {
    super('Organization not registered', MissingRemoteRealmError.CODE, bouncerMsg, details);
  }
}

export class InvalidBouncerPublicKeyError extends FixedJsonableError {
  static readonly CODE = 'INVALID_BOUNCER_PUBLIC_KEY';
  constructor(bouncerMsg: string, details: BouncerErrorDetails = {}) {
    super('Invalid bouncer_public_key', InvalidBouncerPublicKeyError.CODE, bouncerMsg, details);
  }
}

export class RequestExpiredError extends FixedJsonableError {
  static readonly CODE = 'REQUEST_EXPIRED';
  constructor(bouncerMsg: string, details: BouncerErrorDetails = {}) {
    super('Request expired', RequestExpiredError.CODE, bouncerMsg, details);
  }
}

/** The bouncer's body was not JSON (Zulip: orjson.JSONDecodeError propagates). */
export class BouncerJsonDecodeError extends Error {
  readonly endpoint: string;
  readonly status: number;
  constructor(endpoint: string, status: number) {
    super(`Could not parse the push notification bouncer's response to ${endpoint} (status ${status}) as JSON`);
    this.name = 'BouncerJsonDecodeError';
    this.endpoint = endpoint;
    this.status = status;
  }
}

/** zulip_org_id / zulip_org_key missing: Zulip asserts before sending anything. */
export class BouncerCredentialsMissingError extends Error {
  constructor() {
    super('zulip_org_id and zulip_org_key must be set to talk to the push notification bouncer');
    this.name = 'BouncerCredentialsMissingError';
  }
}

export const isRetryLaterError = (e: unknown): e is PushNotificationBouncerRetryLaterError =>
  e instanceof PushNotificationBouncerRetryLaterError;

/** Any error this client raises for a bouncer exchange. */
export type BouncerClientError =
  | BouncerJsonableError
  | PushNotificationBouncerError
  | PushNotificationsDisallowedByBouncerError
  | BouncerJsonDecodeError
  | BouncerCredentialsMissingError;
