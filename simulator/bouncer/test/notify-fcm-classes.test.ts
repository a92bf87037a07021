/**
 * Which FCM answers delete a token and how a failure is described (§7.1): firebase_admin's
 * classification (messaging.FCM_ERROR_TYPES, then _utils' google.rpc status / HTTP status maps),
 * for answers the mock FCM never gives (it always attaches an FcmError to its own refusals).
 */
import { describeFcmFailure, isFcmUnregistered } from '../delivery/legacy-send';
import type { FcmResult } from '../providers/fcm-client';

type Failure = Exclude<FcmResult, { kind: 'success' }>;
const failure = (httpStatus: number, code: string, message: string, status?: string): Failure =>
  status === undefined ? { kind: 'failure', httpStatus, code, message } : { kind: 'failure', httpStatus, code, message, status };

describe('FCM failure classification', () => {
  it('should treat only the UNREGISTERED errorCode as an unregistered token, not a bare NOT_FOUND', () => {
    expect(isFcmUnregistered(failure(404, 'UNREGISTERED', 'Requested entity was not found.', 'NOT_FOUND'))).toBe(true);
    // A 404 without an FcmError (e.g. a project that does not exist) is firebase_admin's NotFoundError.
    const bare = failure(404, 'NOT_FOUND', 'Requested entity was not found.', 'NOT_FOUND');
    expect(isFcmUnregistered(bare)).toBe(false);
    expect(describeFcmFailure(bare)).toBe("<class 'firebase_admin.exceptions.NotFoundError'>:Requested entity was not found.");
    expect(isFcmUnregistered({ kind: 'connection-error', error: 'socket hang up' })).toBe(false);
  });

  it('should name the messaging error for FCM-specific codes and the status class otherwise', () => {
    expect(describeFcmFailure(failure(401, 'APNS_AUTH_ERROR', 'bad p8', 'UNAUTHENTICATED'))).toBe(
      "<class 'firebase_admin._messaging_utils.ThirdPartyAuthError'>:bad p8",
    );
    // An errorCode firebase_admin has no class for: the status decides.
    expect(describeFcmFailure(failure(500, 'UNSPECIFIED_ERROR', 'boom', 'INTERNAL'))).toBe(
      "<class 'firebase_admin.exceptions.InternalError'>:boom",
    );
    expect(describeFcmFailure(failure(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', 'UNAUTHENTICATED'))).toBe(
      "<class 'firebase_admin.exceptions.UnauthenticatedError'>:Request had invalid authentication credentials.",
    );
    // No status in the body: the HTTP status decides, and unknown ones are UnknownError.
    expect(describeFcmFailure(failure(429, 'HTTP_429', 'slow down'))).toBe("<class 'firebase_admin.exceptions.ResourceExhaustedError'>:slow down");
    expect(describeFcmFailure(failure(418, 'HTTP_418', 'teapot'))).toBe("<class 'firebase_admin.exceptions.UnknownError'>:teapot");
  });

  it('should word transport failures as requests errors are worded', () => {
    expect(describeFcmFailure({ kind: 'connection-error', error: 'connect ECONNREFUSED 127.0.0.1:1' })).toBe(
      "<class 'firebase_admin.exceptions.UnavailableError'>:Failed to establish a connection: connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(describeFcmFailure({ kind: 'connection-error', error: 'timeout' })).toBe(
      "<class 'firebase_admin.exceptions.DeadlineExceededError'>:Timed out while making an API call: timeout",
    );
  });
});
