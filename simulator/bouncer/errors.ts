/**
 * Every error the bouncer answers with, in one place (bouncer-protocol.md §13). Routes throw
 * these; the app renders them in Zulip's envelope. Messages are Zulip's, verbatim.
 */
import { JsonableError } from '../core/errors';

export const WWW_AUTHENTICATE_BASIC = 'Basic realm="zulip"';

/** zerver/lib/exceptions.py UnauthorizedError: 401, UNAUTHORIZED, with a Basic challenge. */
export const unauthorized = (msg: string, logExtra?: string) =>
  new JsonableError(msg, {
    status: 401,
    code: 'UNAUTHORIZED',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_BASIC },
    logExtra,
  });

export const badRequest = (msg: string, data?: Record<string, unknown>) =>
  new JsonableError(msg, { data });

// --- typed_endpoint parameter errors (§1.4) ---
export const requestVariableMissing = (name: string) =>
  new JsonableError(`Missing '${name}' argument`, {
    code: 'REQUEST_VARIABLE_MISSING',
    data: { var_name: name },
  });
export const cannotBeBlank = (name: string) => badRequest(`${name} cannot be blank`);
export const notLength = (name: string, n: number) => badRequest(`${name} is not length ${n}`);
export const tooLong = (name: string, n: number) =>
  badRequest(`${name} is too long (limit: ${n} characters)`);
export const invalidFormat = (name: string) => badRequest(`${name} has invalid format`);
export const notValidJson = (name: string) => badRequest(`${name} is not valid JSON`);
export const notAnInteger = (name: string) => badRequest(`${name} is not an integer`);
export const malformedJson = () => badRequest('Malformed JSON');
export const malformedPayload = () => badRequest('Malformed payload');

// --- remote-server authentication (§2) ---
export const missingAuthHeader = () => unauthorized('Missing authorization header for basic auth');
export const invalidAuthHeader = () => unauthorized('Invalid authorization header for basic auth');
export const basicAuthRequired = () =>
  badRequest('This endpoint requires HTTP basic authentication.');
export const mustUseServerKey = () =>
  new JsonableError('Must validate with valid Zulip server API key', { logExtra: '[non-server-key]' });
export const serverNotRegisteredMsg = (role: string) =>
  `Zulip server auth failure: ${role} is not registered -- did you run \`manage.py register_server\`?`;
export const keyMismatchMsg = (role: string) =>
  `Zulip server auth failure: key does not match role ${role}`;
export const DEACTIVATED_MSG =
  'The mobile push notification service registration for your server has been deactivated';
export const INVALID_SUBDOMAIN_MSG = 'Invalid subdomain for push notifications bouncer';

/** server/register's own key check is not wrapped in UnauthorizedError (§2, last paragraph). */
export const invalidZulipServerKey = (role: string) =>
  new JsonableError(keyMismatchMsg(role), { code: 'INVALID_ZULIP_SERVER', data: { role } });
/** RemoteServerDeactivatedError: an AuthenticationFailedError whose code is REALM_DEACTIVATED. */
export const remoteServerDeactivated = () =>
  new JsonableError(DEACTIVATED_MSG, { status: 401, code: 'REALM_DEACTIVATED' });

// --- registration (§3.1) ---
export const invalidUuid = () => badRequest('Invalid UUID');
export const hostnameAlreadyInUse = (hostname: string) =>
  new JsonableError(`A server with hostname ${hostname} already exists`, {
    code: 'HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR',
    data: { hostname },
  });
export const serverAdminEmail = (reason: string) =>
  new JsonableError(`Invalid server administrator email address: ${reason}`, {
    data: { email_reason: reason },
  });

// --- rate limits (§9) ---
export const rateLimited = (secsToFreedom: number) =>
  new JsonableError('API usage exceeded rate limit', {
    status: 429,
    code: 'RATE_LIMIT_HIT',
    data: { 'retry-after': secsToFreedom },
    headers: { 'Retry-After': pythonFloatString(secsToFreedom) },
  });
export const globalRateLimited = (supportEmail: string) =>
  new JsonableError(
    `The global limits on recent usage of this endpoint have been reached. Please try again later or reach out to ${supportEmail} for assistance.`,
    { status: 429, code: 'RATE_LIMIT_HIT' },
  );

// --- realms (§4) ---
export const remoteRealmServerMismatch = () =>
  new JsonableError(
    'Your organization is registered to a different Zulip server. Please contact Zulip support for assistance in resolving this issue.',
    { status: 403, code: 'REMOTE_REALM_SERVER_MISMATCH_ERROR' },
  );
export const missingRemoteRealm = () =>
  new JsonableError('Organization not registered', { status: 403, code: 'MISSING_REMOTE_REALM' });

// --- analytics (§10) ---
export const dataOutOfOrder = () => badRequest('Data is out of order.');
export const invalidProperty = (p: string) => badRequest(`Invalid property ${p}`);
export const invalidEventType = () => badRequest('Invalid event type.');
export const malformedAuditLogData = () => badRequest('Malformed audit log data');
export const duplicateRegistration = () => badRequest('Duplicate registration detected.');

/**
 * Python's str(float) for the Retry-After header: "0.5", "60.0", "1e-05" are all possible;
 * we render the common cases (integers get ".0").
 */
export function pythonFloatString(x: number): string {
  if (Number.isInteger(x)) return `${x}.0`;
  return String(x);
}

// --- billing (§3.2) ---
export const BILLING_SUPPORT_EMAIL = 'sales@zulip.com';
/** corporate/lib/stripe.py BillingError: CONTACT_SUPPORT message, description in a data field. */
export const billingError = (description: string) =>
  badRequest(`Something went wrong. Please contact ${BILLING_SUPPORT_EMAIL}.`, { error_description: description });

// --- legacy device registration (§4) ---
export const invalidTokenType = () => badRequest('Invalid token type');
export const emptyOrInvalidLengthToken = () => badRequest('Empty or invalid length token');
export const invalidApnsToken = () => badRequest('Invalid APNS token');
export const missingIosAppId = () => badRequest('Missing ios_app_id');
export const missingUserIdentity = () => badRequest('Missing user_id or user_uuid');
export const tokenDoesNotExist = () => badRequest('Token does not exist');

// --- E2EE registration (§6.2) ---
export const invalidBouncerPublicKey = () =>
  new JsonableError('Invalid bouncer_public_key', { code: 'INVALID_BOUNCER_PUBLIC_KEY' });
export const invalidEncryptedPushRegistration = () => badRequest('Invalid encrypted_push_registration');
export const requestExpired = () => new JsonableError('Request expired', { code: 'REQUEST_EXPIRED' });

// --- legacy delivery (§5) ---
export const PLAN_DISALLOWS_MSG = "Your plan doesn't allow sending push notifications.";
/** Plan denial for a server that never reported a feature level (pre-8.0): old servers email admins. */
export const planDisallowsOldServer = () => new JsonableError(PLAN_DISALLOWS_MSG, { code: 'INVALID_ZULIP_SERVER' });
export const pushNotificationsDisallowed = (reason: string) =>
  new JsonableError(`${PLAN_DISALLOWS_MSG} Reason provided by the server: ${reason}`, {
    code: 'PUSH_NOTIFICATIONS_DISALLOWED',
  });
export const deviceNotRecognized = () =>
  new JsonableError('Device not recognized by the push bouncer', { code: 'INVALID_REMOTE_PUSH_DEVICE_TOKEN' });

// --- E2EE delivery (§6.3) ---
export const tokenIdNotBase64 = () => badRequest('`token_id` is not Base64 encoded');
