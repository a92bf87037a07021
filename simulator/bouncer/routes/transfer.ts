/**
 * Registration transfer (bouncer-protocol.md §3.3, zilencer/views.py): a machine that controls
 * a registered hostname takes the registration over. `register/transfer` hands out a signed,
 * 10-second verification secret; the new machine serves it at
 * `https://<hostname>/api/v1/zulip-services/verify/<access_token>/` and calls
 * `register/verify_challenge`, which fetches it back and, if it checks out, rotates the key.
 */
import crypto from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { REDACTED } from '../../core/logging';
import { API_KEY_LENGTH, SERVER_AUDIT } from '../constants';
import type { BouncerContext } from '../context';
import { badRequest, globalRateLimited } from '../errors';
import { readFields, str } from '../http/params';
import type { BouncerRequest, RouteDef } from '../http/route';
import { HostRequestError, type HostErrorKind, type HostResponse } from '../transfer/host-client';
import { generateVerificationSecret, validateVerificationSecret } from '../transfer/signer';
import { validateHostname } from './server';

/**
 * transfer_remote_server_registration declares a bare `hostname: str` — unlike
 * register_remote_server there is no 128-character limit; an over-long name simply is not
 * registered.
 */
const TRANSFER_FIELDS = [str('hostname', true)] as const;
/** Both plain `str`: no stripping, no blank check (an empty access token is sent as is). */
const VERIFY_FIELDS = [str('hostname', true), str('access_token', true)] as const;

/** rate_limit_endpoint_absolute's key: one bucket shared by every caller. */
const ENDPOINT = 'verify_registration_transfer_challenge_ack_endpoint';
const LIMIT_KEY = `RateLimitedEndpoint:${ENDPOINT}`;
const SECRET_NOT_PREPARED = 'REMOTE_SERVER_VERIFICATION_SECRET_NOT_PREPARED';

const HOST_ERROR_MESSAGES: Record<HostErrorKind, string> = {
  ssl: 'SSL error occurred while communicating with the host.',
  connection: 'Connection error occurred while communicating with the host.',
  timeout: 'The request timed out while communicating with the host.',
  other: 'An error occurred while communicating with the host.',
};

function transfer(req: BouncerRequest, ctx: BouncerContext) {
  const { hostname } = readFields(req.params, TRANSFER_FIELDS);
  validateHostname(hostname);
  if (!ctx.servers.byHostname(hostname)) throw badRequest(`${hostname} not yet registered`);
  // Stateless: the signature and timestamp are the whole proof; nothing is stored.
  return { verification_secret: generateVerificationSecret(hostname, ctx.config.secretKey, ctx.now()) };
}

async function verifyChallenge(req: BouncerRequest, ctx: BouncerContext) {
  const { hostname, access_token: accessToken } = readFields(req.params, VERIFY_FIELDS);

  // First, before any lookup: the endpoint makes us call out, so it has one global budget.
  if (ctx.transferLimiter.enabled && ctx.transferLimiter.hit(LIMIT_KEY, ctx.now()).limited) {
    ctx.loggers.views.warn(`Rate limit exceeded for ${ENDPOINT}`);
    throw globalRateLimited(ctx.config.supportEmail);
  }

  const server = ctx.servers.byHostname(hostname);
  if (!server) throw badRequest('Registration not found for this hostname');

  const response = await fetchVerificationResponse(ctx, hostname, accessToken);
  const secret = verificationSecretOf(response.body);
  // Zulip 500s on a body that is not JSON or lacks a string `verification_secret` (KeyError,
  // TypeError); the host did not hand us a well-formed secret, so we answer "malformed".
  if (secret === undefined) throw badRequest('The verification secret is malformed');
  validateVerificationSecret(secret, hostname, ctx.config.secretKey, ctx.now());

  ctx.loggers.views.info(`verify_registration_transfer:host:${hostname}|success`);
  const apiKey = randomApiKey();
  ctx.log.redactor.add(apiKey);
  const now = ctx.now();
  ctx.db.transaction(() => {
    ctx.servers.setApiKey(server.id, apiKey);
    ctx.servers.addAuditLog(server.id, SERVER_AUDIT.REMOTE_SERVER_REGISTRATION_TRANSFERRED, now);
  })();
  return { zulip_org_id: server.uuid, zulip_org_key: apiKey };
}

/**
 * GET the secret from the host; every failure becomes the 400 Zulip answers with, after an INFO
 * line naming the exception (except "secret not prepared", which has its own line).
 */
async function fetchVerificationResponse(
  ctx: BouncerContext,
  hostname: string,
  accessToken: string,
): Promise<HostResponse> {
  // Zulip's urljoin(f"https://{hostname}", f"/api/v1/zulip-services/verify/{access_token}/"):
  // the token goes in unencoded; the client's URL parser copes with (or refuses) odd tokens.
  const url = `https://${hostname}/api/v1/zulip-services/verify/${accessToken}/`;
  let response: HostResponse;
  try {
    response = await ctx.transferHosts.get(url);
  } catch (e) {
    const kind: HostErrorKind = e instanceof HostRequestError ? e.kind : 'other';
    const text = e instanceof Error ? e.message : String(e);
    logException(ctx, hostname, scrubToken(text, accessToken));
    throw badRequest(HOST_ERROR_MESSAGES[kind]);
  }

  // raise_for_status(): only 4xx and 5xx are errors; anything else goes on to the secret check.
  if (response.status < 400 || response.status >= 600) return response;
  if (response.status === 400 && jsonObject(response.body)?.code === SECRET_NOT_PREPARED) {
    ctx.loggers.views.info(`verify_registration_transfer:host:${hostname}|secret_not_prepared`);
    throw badRequest('The host reported it has no verification secret.');
  }
  logException(ctx, hostname, httpErrorText(response.status, hostname));
  throw badRequest(`Error response received from the host: ${response.status}`);
}

function logException(ctx: BouncerContext, hostname: string, exception: string) {
  ctx.loggers.views.info(`verify_registration_transfer:host:${hostname}|exception:${exception}`);
}

/**
 * str(requests.HTTPError): "<status> Client Error: <reason> for url: <url>" — with the access
 * token (a bearer secret for the next few seconds) left out of the URL.
 */
function httpErrorText(status: number, hostname: string): string {
  const side = status < 500 ? 'Client' : 'Server';
  const reason = STATUS_CODES[status] ?? '';
  return `${status} ${side} Error: ${reason} for url: https://${hostname}/api/v1/zulip-services/verify/${REDACTED}/`;
}

/** A pluggable client might quote the URL in its error; keep the token out of the log anyway. */
function scrubToken(text: string, accessToken: string): string {
  return accessToken.length >= 8 ? text.split(accessToken).join(REDACTED) : text;
}

/** response.json() as a dict, or undefined when the body is not a JSON object. */
function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    // requests detects UTF-8 with a BOM (utf-8-sig) and strips it; JSON.parse would refuse it.
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

function verificationSecretOf(body: Buffer): string | undefined {
  const secret = jsonObject(body)?.verification_secret;
  return typeof secret === 'string' ? secret : undefined;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Django's get_random_string(64): uniform over [a-zA-Z0-9], from the OS CSPRNG. */
function randomApiKey(): string {
  let key = '';
  for (let i = 0; i < API_KEY_LENGTH; i++) key += ALNUM[crypto.randomInt(ALNUM.length)];
  return key;
}

export const transferRoutes: RouteDef[] = [
  {
    path: '/api/v1/remotes/server/register/transfer',
    auth: 'none',
    methods: { POST: transfer },
  },
  {
    // No require_post: a GET with query parameters works too (§1.5).
    path: '/api/v1/remotes/server/register/verify_challenge',
    auth: 'none',
    methods: { any: verifyChallenge },
  },
];
