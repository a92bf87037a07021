/**
 * `GET /api/v1/zulip-services/verify/<access_token>/` (bouncer-protocol.md §3.3 step 2): the
 * bouncer fetches the verification secret it handed out, proving this machine serves the
 * registered hostname. Unauthenticated; the access token is the credential.
 *
 * No challenge, an expired one, or a wrong token all answer the same 400
 * REMOTE_SERVER_VERIFICATION_SECRET_NOT_PREPARED, so a caller learns nothing from the difference.
 * The access log prints this path with the token replaced (http/app.ts loggablePath).
 */
import { JsonableError } from '../../../core/errors';
import { lookupTransferChallenge } from '../../transfer-challenge';
import type { Handler, RouteDef } from '../route';

export const VERIFY_PATH_PREFIX = '/api/v1/zulip-services/verify/';
export const SECRET_NOT_PREPARED_CODE = 'REMOTE_SERVER_VERIFICATION_SECRET_NOT_PREPARED';

export const verificationSecretNotPrepared = () =>
  new JsonableError('Verification secret not prepared', { status: 400, code: SECRET_NOT_PREPARED_CODE });

const verify: Handler = (req, ctx) => {
  const accessToken = req.pathParams.access_token ?? '';
  const secret = lookupTransferChallenge(ctx, accessToken);
  if (secret === null) throw verificationSecretNotPrepared();
  return { verification_secret: secret };
};

export const verifyRoutes: RouteDef[] = [
  {
    // Trailing slash as in Zulip's URL pattern. The bouncer GETs it; the changelog calls it a
    // POST endpoint, and the Django view has no method decorator, so both are accepted (inferred).
    path: `${VERIFY_PATH_PREFIX}:access_token/`,
    auth: 'none',
    methods: { GET: verify, POST: verify },
  },
];
