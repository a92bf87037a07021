/**
 * The fake server's metadata / usage-statistics upload and its hourly job
 * (bouncer-protocol.md §10; server-and-app.md §E, §F; remote_server.py
 * send_server_data_to_push_bouncer; the seed's "Uploading basic metadata" / "Uploading usage
 * statistics").
 *
 *  - `sendServerDataToPushBouncer` reads the server's tables (realms, RealmCount,
 *    InstallationCount, RealmAuditLog) and settings, runs status → upload through the bouncer
 *    client, and writes the answer back: each realm's `push_notifications_enabled` mirrors the
 *    bouncer's `can_push` (and its end timestamp), and a `can_push: true` records "pushes
 *    recently working" (`ctx.pushesLastWorkingAt`).
 *  - Nothing is sent while ZULIP_SERVICE_PUSH_NOTIFICATIONS is off, ANALYTICS_DATA_UPLOAD_LEVEL
 *    is NONE, ZULIP_SERVICES_URL is unset (paused), or the server has no credentials.
 *  - Callers: `register_server` (consider_usage_statistics=False, raise_on_error=True), the
 *    push worker's start-up (`initializePushNotifications`, consider_usage_statistics=False) and
 *    the hourly analytics cron (`startAnalyticsJob`: `updateAnalyticsCounts` first computes the
 *    finished hours' `messages_sent:is_bot:hour`, then consider_usage_statistics=True: usage counts
 *    go only at level ALL, i.e. with ZULIP_SERVICE_SUBMIT_USAGE_STATISTICS on; without it the
 *    level is BILLING and only realm metadata and billing audit rows go).
 */
import { uploadServerData, type ServerAnalyticsData, type UploadServerDataResult } from './bouncer-client/analytics-upload';
import { pushesRecentlyWorking } from './bouncer-client/reactions';
import type { ZulipServerContext } from './context';
import { analyticsUploadLevel, serverVersion, usesNotificationBouncer } from './settings';
import type { Realm } from './types';

export const ANALYTICS_INTERVAL_MS = 60 * 60 * 1000;

/** The usage statistic the cron computes before uploading: messages sent per realm and hour, by humans and by bots. */
export const MESSAGES_SENT_IS_BOT_HOUR = 'messages_sent:is_bot:hour';

export const ANALYTICS_JOB_LOGGER = 'zulip.analytics';

export interface SendServerDataOptions {
  /** True only from the analytics cron job: usage counts are considered (level ALL). */
  considerUsageStatistics: boolean;
  /** register_server: rethrow bouncer errors instead of only logging them. */
  raiseOnError?: boolean;
}

/** Why nothing would be sent right now, or null when an upload may go. */
export function uploadSkipReason(ctx: ZulipServerContext): string | null {
  const s = ctx.settings();
  // The client treats ZULIP_SERVICE_PUSH_NOTIFICATIONS off like a paused service (index.ts), so
  // a stats-only server uploads nothing here (simulator scope).
  if (!usesNotificationBouncer(s)) return 'ZULIP_SERVICE_PUSH_NOTIFICATIONS is off';
  if (analyticsUploadLevel(s) === 'NONE') return 'ANALYTICS_DATA_UPLOAD_LEVEL is NONE';
  if (s.servicesUrl === null) return 'ZULIP_SERVICES_URL is not set: the push notification service is paused';
  if (!ctx.secrets.credentials()) return 'zulip_org_id / zulip_org_key are not set';
  return null;
}

/** The server's tables and settings as the upload reads them. */
export function serverAnalyticsData(ctx: ZulipServerContext): ServerAnalyticsData {
  const s = ctx.settings();
  const v = serverVersion(s);
  return {
    realms: [...ctx.state.realms.values()],
    realmCounts: ctx.state.realmCounts,
    installationCounts: ctx.state.installationCounts,
    auditLogs: ctx.state.auditLogs,
    version: v.version,
    mergeBase: v.mergeBase,
    apiFeatureLevel: v.featureLevel,
    uploadLevel: analyticsUploadLevel(s),
  };
}

/**
 * send_server_data_to_push_bouncer, applying the answer to the server's realms. Bouncer errors
 * are logged (and realms' pushes maybe disabled, maybe_mark_pushes_disabled) unless
 * `raiseOnError`; errors Zulip never catches here (INVALID_ZULIP_SERVER,
 * PUSH_NOTIFICATIONS_DISALLOWED) always propagate.
 */
export async function sendServerDataToPushBouncer(
  ctx: ZulipServerContext,
  opts: SendServerDataOptions,
): Promise<UploadServerDataResult> {
  const realms = [...ctx.state.realms.values()];
  const skip = uploadSkipReason(ctx);
  if (skip !== null) return { outcome: 'skipped', reason: skip, realms };

  const result = await uploadServerData(ctx.bouncer, serverAnalyticsData(ctx), {
    considerUsageStatistics: opts.considerUsageStatistics,
    raiseOnError: opts.raiseOnError,
    recentlyWorking: pushesRecentlyWorking(ctx.pushesLastWorkingAt, ctx.clock.now()),
    log: ctx.zulipLog,
  });

  if (result.outcome === 'uploaded') {
    writeBackPushStatus(ctx, result.realms);
    // record_push_notifications_recently_working: the bouncer answered can_push for every realm
    // in the request; one `true` among them is enough.
    const sent = new Set(result.request.realms?.map((r) => r.uuid) ?? []);
    if (result.realms.some((r) => sent.has(r.uuid) && r.pushNotificationsEnabled)) {
      ctx.pushesLastWorkingAt = ctx.clock.now();
    }
  } else if (result.outcome === 'failed' && result.pushesDisabled) {
    writeBackPushStatus(ctx, result.realms);
  }
  return result;
}

/**
 * Only the two push fields are written back, onto the realm as it is now: the realm may have
 * changed (e.g. require_e2ee_push_notifications) while the upload was in flight.
 */
function writeBackPushStatus(ctx: ZulipServerContext, realms: Realm[]): void {
  for (const r of realms) {
    if (!ctx.state.realms.has(r.id)) continue;
    ctx.state.updateRealm(r.id, {
      pushNotificationsEnabled: r.pushNotificationsEnabled,
      pushNotificationsEnabledEndTimestamp: r.pushNotificationsEnabledEndTimestamp,
    });
  }
}

/** FillState of `messages_sent:is_bot:hour`: the end (Unix seconds) of the last hour counted, per server. */
const countsFilledUntil = new WeakMap<ZulipServerContext, number>();

/**
 * `update_analytics_counts`, reduced to one CountStat: a RealmCount row
 * `messages_sent:is_bot:hour` (subgroup "false" for humans, "true" for bots; zero counts not
 * stored) for every hour that ended since the last run — the "totals for messages sent" the
 * seed's usage statistics upload carries. Rows are written once, for finished hours only, so an
 * uploaded row never changes afterwards (as in Zulip).
 */
export function updateAnalyticsCounts(ctx: ZulipServerContext): void {
  const HOUR = 3600;
  const lastEnd = Math.floor(ctx.clock.now() / 1000 / HOUR) * HOUR;
  const messages = [...ctx.state.messages.values()];
  const earliest = Math.min(lastEnd, ...messages.map((m) => Math.floor(m.dateSent / HOUR) * HOUR));
  const from = countsFilledUntil.get(ctx) ?? earliest;
  for (let end = from + HOUR; end <= lastEnd; end += HOUR) {
    const counts = new Map<string, { realmId: number; subgroup: string; value: number }>();
    for (const m of messages) {
      if (m.dateSent < end - HOUR || m.dateSent >= end) continue;
      const subgroup = ctx.state.users.get(m.senderId)?.isBot ? 'true' : 'false';
      const key = `${m.realmId}:${subgroup}`;
      const c = counts.get(key) ?? { realmId: m.realmId, subgroup, value: 0 };
      c.value += 1;
      counts.set(key, c);
    }
    for (const c of counts.values()) {
      ctx.state.realmCounts.push({ id: ctx.state.nextId('count'), realmId: c.realmId, property: MESSAGES_SENT_IS_BOT_HOUR, subgroup: c.subgroup, endTime: end, value: c.value });
    }
  }
  countsFilledUntil.set(ctx, Math.max(from, lastEnd));
}

/** Class name and message only: bouncer client errors carry the bouncer's msg, never payloads or keys. */
export const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * initialize_push_notifications at push-worker start-up: one metadata upload
 * (consider_usage_statistics=False) when the server uses the service and has credentials.
 * Never throws; failures are logged. Not called by `startZulipServer` (scenarios decide when
 * the first upload happens).
 */
export async function initializePushNotifications(ctx: ZulipServerContext): Promise<UploadServerDataResult | null> {
  try {
    return await sendServerDataToPushBouncer(ctx, { considerUsageStatistics: false });
  } catch (e) {
    ctx.logger.child({ logger: ANALYTICS_JOB_LOGGER }).warn(`Metadata upload at start-up failed: ${describeError(e)}`);
    return null;
  }
}

export interface AnalyticsJob {
  stop(): void;
  /** Completed runs so far (skipped ones included). */
  readonly runs: number;
  /** Resolves when the next run has finished: its result, the error it logged, or null if it sent nothing. */
  nextRun(): Promise<UploadServerDataResult | Error | null>;
}

/**
 * The hourly analytics cron (`update_analytics_counts` → send_server_data_to_push_bouncer with
 * consider_usage_statistics=True; hourly per the seed, cron schedule inferred), on the server's
 * clock: the first run one interval after start. A VirtualClock runs it when advanced past each
 * hour; on a real clock it is an unref'd timer, so it never keeps the process alive, and
 * `stop()` ends the loop at once.
 */
export function startAnalyticsJob(ctx: ZulipServerContext, opts: { intervalMs?: number } = {}): AnalyticsJob {
  const intervalMs = opts.intervalMs ?? ANALYTICS_INTERVAL_MS;
  const log = ctx.logger.child({ logger: ANALYTICS_JOB_LOGGER });
  let stopped = false;
  let runs = 0;
  let wakeStop!: () => void;
  const stopPromise = new Promise<void>((resolve) => (wakeStop = resolve));
  let waiters: ((r: UploadServerDataResult | Error | null) => void)[] = [];

  const sleep = (ms: number): Promise<void> => {
    if (ctx.clock.kind === 'real') {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        timer.unref();
        void stopPromise.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // A virtual clock's sleeper only wakes on advance; racing it with stop ends the loop now.
    return Promise.race([ctx.clock.sleep(ms), stopPromise]);
  };

  const runOnce = async (): Promise<UploadServerDataResult | Error | null> => {
    // The server's own statistics are computed whether or not it uploads them.
    updateAnalyticsCounts(ctx);
    // Only a registered server uploads (push_notifications_configured() needs ZULIP_ORG_ID/KEY).
    if (!ctx.secrets.credentials()) return null;
    try {
      const result = await sendServerDataToPushBouncer(ctx, { considerUsageStatistics: true });
      return result.outcome === 'skipped' ? null : result;
    } catch (e) {
      // e.g. INVALID_ZULIP_SERVER after a deactivation: logged, and the next hour tries again.
      log.warn(`Analytics upload failed: ${describeError(e)}`);
      return e instanceof Error ? e : new Error(String(e));
    }
  };

  void (async () => {
    while (!stopped) {
      await sleep(intervalMs);
      if (stopped) break;
      const result = await runOnce();
      runs += 1;
      for (const w of waiters.splice(0)) w(result);
    }
  })();

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      wakeStop();
      for (const w of waiters.splice(0)) w(null);
      waiters = [];
    },
    get runs() {
      return runs;
    },
    nextRun() {
      if (stopped) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
