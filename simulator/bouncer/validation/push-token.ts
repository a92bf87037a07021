/**
 * Push-token rules shared by the bouncer's device registrations (bouncer-protocol.md §4):
 * zilencer/views.py validate_bouncer_token_request + zerver validate_token, and the
 * `ApnsAppId` type of zerver/lib/typed_endpoint.py. Pure functions: the legacy endpoints throw
 * the errors below; the E2EE registration maps failures to its own error instead.
 */
import { TOKEN_KIND } from '../constants';
import { emptyOrInvalidLengthToken, invalidApnsToken, invalidTokenType } from '../errors';

/** Longest token accepted, in code points (Python's len). */
export const MAX_TOKEN_LENGTH = 4096;

/** `ApnsAppId = Annotated[str, StringConstraints(pattern="^[.a-zA-Z0-9-]+$")]`. */
export const APNS_APP_ID_PATTERN = /^[.a-zA-Z0-9-]+$/;

export const isValidApnsAppId = (s: string): boolean => APNS_APP_ID_PATTERN.test(s);

export const isValidTokenKind = (kind: number): boolean => kind === TOKEN_KIND.APNS || kind === TOKEN_KIND.FCM;

/** `token == "" or len(token) > 4096` is refused. */
export const isValidTokenLength = (token: string): boolean => token !== '' && [...token].length <= MAX_TOKEN_LENGTH;

/** Py_ISSPACE: the ASCII whitespace bytes.fromhex skips (since Python 3.7). */
const isPySpace = (c: string) => c === ' ' || (c >= '\t' && c <= '\r');
const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * Whether Python's `bytes.fromhex(s)` succeeds: pairs of hex digits (either case), with any run
 * of ASCII whitespace allowed *between* pairs (not inside one); anything else — an odd digit
 * count, a non-ASCII character — is a ValueError.
 */
export function isPythonHex(s: string): boolean {
  let i = 0;
  while (i < s.length) {
    if (isPySpace(s[i]!)) {
      i += 1;
      continue;
    }
    if (!isHexDigit(s[i]) || !isHexDigit(s[i + 1])) return false;
    i += 2;
  }
  return true;
}

export type TokenProblem = 'invalid-kind' | 'invalid-length' | 'invalid-apns';

/** The first rule `token`/`kind` break, in Zulip's order, or null when they are fine. */
export function pushTokenProblem(token: string, kind: number): TokenProblem | null {
  if (!isValidTokenKind(kind)) return 'invalid-kind';
  if (!isValidTokenLength(token)) return 'invalid-length';
  if (kind === TOKEN_KIND.APNS && !isPythonHex(token)) return 'invalid-apns';
  return null;
}

/** validate_bouncer_token_request: throws Zulip's 400 for the first broken rule. */
export function validateBouncerTokenRequest(token: string, kind: number): void {
  switch (pushTokenProblem(token, kind)) {
    case 'invalid-kind':
      throw invalidTokenType();
    case 'invalid-length':
      throw emptyOrInvalidLengthToken();
    case 'invalid-apns':
      throw invalidApnsToken();
    case null:
      return;
  }
}
