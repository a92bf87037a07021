/**
 * API authentication as a Zulip server does it for `/api/v1/*` (zerver/decorator.py
 * authenticated_rest_api_view): HTTP Basic `<email>:<api_key>`; the key identifies the user and
 * the email must match it. Messages and codes are Zulip's.
 */
import { JsonableError } from '../../core/errors';
import type { ServerState } from '../state';
import type { User } from '../types';

export const unauthorized = () =>
  new JsonableError('Not logged in: API authentication or user session required', {
    status: 401,
    code: 'UNAUTHORIZED',
    headers: { 'WWW-Authenticate': 'Basic realm="zulip"' },
  });

export const invalidApiKey = () => new JsonableError('Invalid API key', { status: 401, code: 'INVALID_API_KEY' });

export function authenticateUser(state: ServerState, authorization: string | undefined): User {
  const m = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) throw unauthorized();
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new JsonableError('Invalid authorization header for basic auth', { status: 401, code: 'UNAUTHORIZED' });
  const email = decoded.slice(0, colon);
  const user = state.userByApiKey(decoded.slice(colon + 1));
  if (!user || user.email.toLowerCase() !== email.toLowerCase()) throw invalidApiKey();
  if (state.realm(user.realmId).deactivated) {
    throw new JsonableError('This organization has been deactivated', { status: 401, code: 'REALM_DEACTIVATED' });
  }
  if (!user.isActive) throw new JsonableError('Account is deactivated', { status: 401, code: 'USER_DEACTIVATED' });
  return user;
}

export function requireHuman(user: User): void {
  if (user.isBot) throw new JsonableError('This endpoint does not accept bot requests.');
}
