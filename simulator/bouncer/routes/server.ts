/**
 * Server registration lifecycle: `server/register` (create, update, rotate key) and
 * `server/deactivate` (bouncer-protocol.md §3.1, §3.2).
 */
import { SERVER_AUDIT, API_KEY_LENGTH, HOSTNAME_MAX_LENGTH, UUID_LENGTH } from '../constants';
import type { BouncerContext } from '../context';
import {
  badRequest,
  billingError,
  hostnameAlreadyInUse,
  invalidUuid,
  invalidZulipServerKey,
  remoteServerDeactivated,
  serverAdminEmail,
} from '../errors';
import { constantTimeEquals } from '../http/auth';
import { readFields, str } from '../http/params';
import type { RouteDef } from '../http/route';
import { contactEmailError } from '../validation/email';
import { hostnameError, UrlsplitValueError } from '../validation/hostname';
import { isCanonicalUuid4 } from '../validation/uuid';

/** The typed_endpoint signature of register_remote_server, in order. */
const REGISTER_FIELDS = [
  str('zulip_org_id', true, { nonBlank: true, length: UUID_LENGTH }),
  str('zulip_org_key', true, { nonBlank: true, length: API_KEY_LENGTH }),
  str('hostname', true, { maxLength: HOSTNAME_MAX_LENGTH }),
  str('contact_email', true),
  str('new_org_key', false, { nonBlank: true, length: API_KEY_LENGTH }),
] as const;

/** Shared with register/transfer, which validates its hostname "as in §3.1". */
export function validateHostname(hostname: string): void {
  let err: string | null;
  try {
    err = hostnameError(hostname);
  } catch (e) {
    // Python's urlsplit raises on inputs like "[::1" and Zulip answers 500; a client must
    // never get a 500 here, so these are simply invalid hostnames.
    if (!(e instanceof UrlsplitValueError)) throw e;
    err = `${hostname} is not a valid hostname`;
  }
  if (err) throw badRequest(err);
}

async function register(req: { params: import('../http/params').RequestParams }, ctx: BouncerContext) {
  const f = readFields(req.params, REGISTER_FIELDS);
  validateHostname(f.hostname);
  const emailFailure = await contactEmailError(f.contact_email, ctx.dns);
  if (emailFailure) throw serverAdminEmail(emailFailure.reason);
  if (!isCanonicalUuid4(f.zulip_org_id)) throw invalidUuid();

  const now = ctx.now();
  const existing = ctx.servers.byUuid(f.zulip_org_id);
  if (existing) {
    if (!constantTimeEquals(existing.apiKey, f.zulip_org_key)) throw invalidZulipServerKey(f.zulip_org_id);
    if (existing.deactivated) throw remoteServerDeactivated();
  } else if (ctx.servers.byHostname(f.hostname)) {
    // Uniqueness is checked on creation only: an existing server may move onto a taken hostname.
    throw hostnameAlreadyInUse(f.hostname);
  }

  return ctx.db.transaction(() => {
    if (!existing) {
      const server = ctx.servers.create(
        { uuid: f.zulip_org_id, apiKey: f.zulip_org_key, hostname: f.hostname, contactEmail: f.contact_email },
        now,
      );
      ctx.servers.addAuditLog(server.id, SERVER_AUDIT.REMOTE_SERVER_CREATED, now);
      ctx.log.redactor.add(f.zulip_org_key);
      return { created: true };
    }
    // Rotation: the old key is dead the moment this commits (no audit log, as in Zulip).
    const apiKey = f.new_org_key ?? existing.apiKey;
    ctx.servers.update(existing.id, { hostname: f.hostname, contactEmail: f.contact_email, apiKey }, now);
    ctx.log.redactor.add(apiKey);
    return { created: false };
  })();
}

export const serverRoutes: RouteDef[] = [
  {
    path: '/api/v1/remotes/server/register',
    auth: 'none',
    methods: { POST: register },
  },
  {
    path: '/api/v1/remotes/server/deactivate',
    auth: 'remote-server',
    methods: {
      // No parameters (real servers send the JSON body `{}`). A live paid plan of the server
      // or one of its realms that is not already set to downgrade blocks deactivation.
      POST: (req, ctx) => {
        if (ctx.plans.serverHasBlockingPaidPlan(req.server.id)) {
          throw billingError('server deactivation with existing plan');
        }
        const now = ctx.now();
        ctx.db.transaction(() => {
          ctx.servers.deactivate(req.server.id, now);
          ctx.servers.addAuditLog(req.server.id, SERVER_AUDIT.REMOTE_SERVER_DEACTIVATED, now);
        })();
        return {};
      },
    },
  },
];
