/**
 * The fake server's admin surface, `/__admin/…`: what an operator does with a shell on a real
 * Zulip server (edit settings.py, run manage.py), as JSON over HTTPS, for scenarios, the
 * `npm run zulip` CLI and local debugging. Not part of Zulip's API.
 *
 *   GET   /__admin/settings                 settings.py as now, the upload level, registration status
 *   PATCH /__admin/settings                 {servicesUrl (null = pause), pushNotifications,
 *                                            submitUsageStatistics, analyticsUploadLevel (null = derived),
 *                                            zulipAdministrator}
 *   GET   /__admin/register_server          what register_server would print before asking (preview)
 *   POST  /__admin/register_server          {agreeToTermsOfService, rotateKey, deactivate,
 *                                            registrationTransfer} → {action, created, output, upload}
 *   POST  /__admin/analytics/upload         {considerUsageStatistics} → the upload's outcome
 *   GET   /__admin/world                    realms and users — INCLUDING EVERY USER'S API KEY
 *   PATCH /__admin/realms/:id               {requireE2eePushNotifications}
 *
 * Security: unauthenticated and it hands out API keys, so it answers loopback peers only (403
 * otherwise; the server binds 127.0.0.1 by default). zulip_org_key, rotated keys, transfer
 * secrets and access tokens are never in an answer. Failures use Zulip's error envelope; a
 * register_server failure carries Zulip's CommandError message, the bouncer's code and the
 * lines printed before it (`output`).
 */
import { JsonableError } from '../../../core/errors';
import { ANALYTICS_DATA_UPLOAD_LEVEL, type AnalyticsDataUploadLevel, type UploadServerDataResult } from '../../bouncer-client/analytics-upload';
import { PushNotificationBouncerRetryLaterError } from '../../bouncer-client/errors';
import { sendServerDataToPushBouncer } from '../../analytics';
import type { ZulipServerContext } from '../../context';
import { RegisterServerError, TOS_NOTICE, TOS_QUESTION, registerServer, registrationPreamble, type RegisterServerOutcome } from '../../register-server';
import { analyticsUploadLevel, type ZulipServerSettings } from '../../settings';
import type { Handler, RouteDef, ZulipRequest } from '../route';

export const ADMIN_PREFIX = '/__admin';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

function requireLoopback(req: ZulipRequest): void {
  // No address = called in-process (tests); the HTTP app always sets it.
  if (req.ip !== undefined && !LOOPBACK.test(req.ip)) {
    throw new JsonableError('The admin surface answers loopback clients only', { status: 403, code: 'FORBIDDEN' });
  }
}

/** The request's JSON object body ({} when empty). */
function jsonBody(req: ZulipRequest): Record<string, unknown> {
  const raw = req.body ?? Buffer.alloc(0);
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new JsonableError('Malformed JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new JsonableError('The body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function onlyKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new JsonableError(`Unknown field(s): ${unknown.sort().join(', ')}`);
}

function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new JsonableError(`${key} must be a boolean`);
  return v;
}

const admin =
  (h: Handler): Handler =>
  (req, ctx) => {
    requireLoopback(req);
    return h(req, ctx);
  };

// --- settings --------------------------------------------------------------------------------

function settingsView(ctx: ZulipServerContext): Record<string, unknown> {
  const s = ctx.settings();
  const creds = ctx.secrets.credentials();
  return {
    settings: s,
    analyticsUploadLevel: analyticsUploadLevel(s),
    paused: s.servicesUrl === null,
    // The id is not secret (it is the Basic-auth username); the key never leaves the file.
    zulipOrgId: creds?.zulipOrgId ?? null,
    hasCredentials: creds !== null,
    secretsFile: ctx.secrets.path,
  };
}

const SETTINGS_FIELDS = ['servicesUrl', 'pushNotifications', 'submitUsageStatistics', 'analyticsUploadLevel', 'zulipAdministrator'] as const;

const patchSettings: Handler = (req, ctx) => {
  const body = jsonBody(req);
  onlyKeys(body, SETTINGS_FIELDS);
  const change: Partial<ZulipServerSettings> = {};
  if ('servicesUrl' in body) {
    const v = body.servicesUrl;
    if (v !== null && (typeof v !== 'string' || !/^https?:\/\//.test(v))) throw new JsonableError('servicesUrl must be an http(s) URL or null');
    change.servicesUrl = v;
  }
  const push = optionalBool(body, 'pushNotifications');
  if (push !== undefined) change.pushNotifications = push;
  const stats = optionalBool(body, 'submitUsageStatistics');
  if (stats !== undefined) change.submitUsageStatistics = stats;
  if ('analyticsUploadLevel' in body) {
    const v = body.analyticsUploadLevel;
    if (v !== null && !(typeof v === 'string' && v in ANALYTICS_DATA_UPLOAD_LEVEL)) {
      throw new JsonableError(`analyticsUploadLevel must be one of ${Object.keys(ANALYTICS_DATA_UPLOAD_LEVEL).join(', ')} or null`);
    }
    // null: derived from the two ZULIP_SERVICE_* settings again.
    change.analyticsUploadLevel = v === null ? undefined : (v as AnalyticsDataUploadLevel);
  }
  if ('zulipAdministrator' in body) {
    const v = body.zulipAdministrator;
    if (typeof v !== 'string' || !v.includes('@')) throw new JsonableError('zulipAdministrator must be an email address');
    change.zulipAdministrator = v;
  }
  ctx.updateSettings(change);
  ctx.logger.child({ logger: 'zulip.admin' }).info(`Settings changed: ${Object.keys(change).sort().join(', ')}`);
  return settingsView(ctx);
};

// --- register_server and the upload ----------------------------------------------------------

/** The upload's outcome without the request body (which holds uuid_owner_secret). */
export function uploadSummary(r: UploadServerDataResult): Record<string, unknown> {
  const realms = r.realms.map((x) => ({
    id: x.id,
    uuid: x.uuid,
    pushNotificationsEnabled: x.pushNotificationsEnabled,
    pushNotificationsEnabledEndTimestamp: x.pushNotificationsEnabledEndTimestamp,
  }));
  switch (r.outcome) {
    case 'skipped':
      return { outcome: r.outcome, reason: r.reason, realms };
    case 'uploaded':
      return {
        outcome: r.outcome,
        recordCount: r.recordCount,
        sent: {
          realm_counts: r.request.realm_counts.length,
          installation_counts: r.request.installation_counts.length,
          realmauditlog_rows: r.request.realmauditlog_rows?.length ?? null,
          realms: r.request.realms?.length ?? null,
        },
        lastAcked: r.lastAcked,
        unexpectedRealmUuids: r.unexpectedRealmUuids,
        realms,
      };
    case 'failed':
      return {
        outcome: r.outcome,
        stage: r.stage,
        error: { name: r.error.name, msg: r.error.message, code: 'code' in r.error ? r.error.code : null },
        pushesDisabled: r.pushesDisabled,
        realms,
      };
  }
}

const outcomeView = (o: RegisterServerOutcome): Record<string, unknown> => ({
  action: o.action,
  created: o.created ?? null,
  output: o.output,
  ...(o.upload ? { upload: uploadSummary(o.upload) } : {}),
});

const previewRegisterServer: Handler = (_req, ctx) => ({
  output: registrationPreamble(ctx),
  tosNotice: TOS_NOTICE,
  tosQuestion: TOS_QUESTION,
});

const REGISTER_FIELDS = ['agreeToTermsOfService', 'rotateKey', 'deactivate', 'registrationTransfer'] as const;

const postRegisterServer: Handler = async (req, ctx) => {
  const body = jsonBody(req);
  onlyKeys(body, REGISTER_FIELDS);
  const [agreeToTermsOfService, rotateKey, deactivate, registrationTransfer] = REGISTER_FIELDS.map((k) => optionalBool(body, k) ?? false);
  try {
    // No prompt over HTTP: the caller asks the operator and sends agreeToTermsOfService.
    return outcomeView(await registerServer(ctx, { agreeToTermsOfService, rotateKey, deactivate, registrationTransfer }));
  } catch (e) {
    if (!(e instanceof RegisterServerError)) throw e;
    const retryLater = e.cause instanceof PushNotificationBouncerRetryLaterError;
    throw new JsonableError(e.message, {
      status: retryLater ? 502 : 400,
      code: e.code && e.code !== 'USAGE' ? e.code : 'BAD_REQUEST',
      data: { output: e.output, ...(e.bouncerMsg !== null ? { bouncer_msg: e.bouncerMsg } : {}) },
    });
  }
};

const postAnalyticsUpload: Handler = async (req, ctx) => {
  const body = jsonBody(req);
  onlyKeys(body, ['considerUsageStatistics']);
  const considerUsageStatistics = optionalBool(body, 'considerUsageStatistics') ?? false;
  try {
    return uploadSummary(await sendServerDataToPushBouncer(ctx, { considerUsageStatistics }));
  } catch (e) {
    // Errors Zulip never catches here (INVALID_ZULIP_SERVER, PUSH_NOTIFICATIONS_DISALLOWED, …).
    if (!(e instanceof Error)) throw e;
    const code = (e as { code?: unknown }).code;
    throw new JsonableError(e.message, {
      status: e instanceof PushNotificationBouncerRetryLaterError ? 502 : 400,
      code: typeof code === 'string' ? code : 'BAD_REQUEST',
      data: { error: e.name },
    });
  }
};

// --- the world -------------------------------------------------------------------------------

function realmView(ctx: ZulipServerContext, id: number): Record<string, unknown> {
  const r = ctx.state.realm(id);
  return {
    id: r.id,
    uuid: r.uuid,
    host: r.host,
    url: r.url,
    name: r.name,
    pushNotificationsEnabled: r.pushNotificationsEnabled,
    pushNotificationsEnabledEndTimestamp: r.pushNotificationsEnabledEndTimestamp,
    requireE2eePushNotifications: r.requireE2eePushNotifications,
  };
}

const getWorld: Handler = (_req, ctx) => ({
  realms: [...ctx.state.realms.keys()].map((id) => realmView(ctx, id)),
  // Local debugging only: API keys let a caller act as any user (the surface is loopback-only).
  users: [...ctx.state.users.values()].map((u) => ({
    id: u.id,
    realmId: u.realmId,
    email: u.email,
    fullName: u.fullName,
    role: u.role,
    isBot: u.isBot,
    isActive: u.isActive,
    apiKey: ctx.state.apiKeyOf(u.id),
  })),
});

const patchRealm: Handler = (req, ctx) => {
  const id = Number(req.pathParams.id);
  if (!Number.isSafeInteger(id) || !ctx.state.realms.has(id)) throw new JsonableError('No such realm', { status: 404, code: 'NOT_FOUND' });
  const body = jsonBody(req);
  onlyKeys(body, ['requireE2eePushNotifications']);
  const require = optionalBool(body, 'requireE2eePushNotifications');
  if (require !== undefined) ctx.state.updateRealm(id, { requireE2eePushNotifications: require });
  return { realm: realmView(ctx, id) };
};

export const adminRoutes: RouteDef[] = [
  { path: `${ADMIN_PREFIX}/settings`, auth: 'none', methods: { GET: admin((_req, ctx) => settingsView(ctx)), PATCH: admin(patchSettings) } },
  { path: `${ADMIN_PREFIX}/register_server`, auth: 'none', methods: { GET: admin(previewRegisterServer), POST: admin(postRegisterServer) } },
  { path: `${ADMIN_PREFIX}/analytics/upload`, auth: 'none', methods: { POST: admin(postAnalyticsUpload) } },
  { path: `${ADMIN_PREFIX}/world`, auth: 'none', methods: { GET: admin(getWorld) } },
  { path: `${ADMIN_PREFIX}/realms/:id`, auth: 'none', methods: { PATCH: admin(patchRealm) } },
];
