/**
 * The fake Zulip server: the parts of a real server that touch mobile push notifications.
 *
 *   const zulip = await startZulipServer({ clock, seed, ca, settings: { servicesUrl: bouncer.url } });
 *   await zulip.registerServer({ agreeToTermsOfService: true });
 *   const hamlet = zulip.users()[3];
 *   await zulip.sendMessage({ senderId, to: { type: 'direct', userIds: [hamlet.id] }, content });
 *   await zulip.idle();                 // every push of that message has been handed to the bouncer
 *
 * It serves HTTPS on loopback with a certificate for EXTERNAL_HOST (and its subdomains) from the
 * stack's CA: the app-facing device API, message sending, and the transfer-verification
 * endpoint the bouncer calls, and a loopback-only admin surface under `/__admin/` (see
 * http/routes/admin.ts; `npm run zulip -- register_server` drives it). Files under
 * `<dataDir>/zulip/`: `zulip-secrets.conf` (0600), `settings.json`, `server.json` (URL and CA file
 * for the CLI) and `ca.pem`; the log is `<dataDir>/logs/zulip.log`.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RealClock, type Clock } from '../core/clock';
import { acquireDataDir } from '../core/data-dir';
import { createComponentLog, type LogLine } from '../core/logging';
import type { Sink } from '../core/sinks';
import { createCertificateAuthority, issueServerCertificate, type CertificateAuthority } from '../core/tls';
import { sendServerDataToPushBouncer, startAnalyticsJob, ANALYTICS_INTERVAL_MS, type AnalyticsJob } from './analytics';
import type { UploadServerDataResult } from './bouncer-client/analytics-upload';
import { BouncerClient } from './bouncer-client/client';
import { pinoReactionLog } from './bouncer-client/reactions';
import type { RetryPolicy } from './bouncer-client/retry';
import { BouncerCredentialsMissingError } from './bouncer-client/errors';
import type { ZulipServerContext } from './context';
import { buildZulipApp } from './http/app';
import type { RouteDef } from './http/route';
import { resumePendingRegistrations } from './push/e2ee-registration';
import { markAsRead, sendMessage, type SendMessageInput } from './push/messages';
import { registerServer, type RegisterServerOptions, type RegisterServerOutcome } from './register-server';
import { SecretsFile } from './secrets-file';
import { seededRandom } from './seeded-random';
import { defaultSettings, serverVersion, writeSettingsFile, type ZulipServerSettings } from './settings';
import { ServerState } from './state';
import { TaskQueue } from './task-queue';
import type { Message, Realm, User } from './types';
import { World, type RealmSpec } from './world';

export const COMPONENT = 'zulip';
/** `<dataDir>/zulip/server.json`: `{url, caCertFile, externalHost}` of the running server (read by cli.ts). */
export const SERVER_INFO_FILE = 'server.json';

export interface ZulipServerOptions {
  /** The stack's data dir; files go to `<dataDir>/zulip/`. Default: a fresh temp dir. */
  dataDir?: string;
  clock?: Clock;
  /** Seeds the world (people, uuids, keys, texts) and the server's generated secrets. Default 1. */
  seed?: number;
  settings?: Partial<ZulipServerSettings>;
  /** The organisations to create. Default: one realm at EXTERNAL_HOST with 6 humans and a bot. */
  realms?: RealmSpec[];
  /** Share the stack's CA; default a new one. */
  ca?: CertificateAuthority;
  host?: string;
  port?: number;
  logToStderr?: boolean;
  /** The fetch used to reach the bouncer (e.g. one trusting a private CA). Default: global fetch. */
  bouncerFetch?: typeof fetch;
  /** Retry policy overrides for bouncer calls (the queue workers'). */
  retry?: Partial<RetryPolicy>;
  /** The hourly analytics job; false = off (scenarios trigger uploads themselves). Default on. */
  analyticsJob?: boolean | { intervalMs: number };
  extraRoutes?: RouteDef[];
}

export interface ZulipServerHandle {
  /** https://127.0.0.1:PORT — where the API answers (any realm, chosen by the credentials). */
  url: string;
  port: number;
  /** EXTERNAL_HOST. */
  externalHost: string;
  caCertPem: string;
  dataDir: string;
  secretsFile: string;
  settingsFile: string;
  logFile: string;
  sinks: Sink[];
  clock: Clock;
  context: ZulipServerContext;
  state: ServerState;
  world: World;
  settings(): ZulipServerSettings;
  /** Changes settings.py (persisted); e.g. `{ servicesUrl: null }` pauses the service. */
  updateSettings(change: Partial<ZulipServerSettings>): ZulipServerSettings;
  realms(): Realm[];
  users(realmId?: number): User[];
  /** `manage.py register_server` with its flags. */
  registerServer(opts?: RegisterServerOptions): Promise<RegisterServerOutcome>;
  /** The hourly analytics job (null with `analyticsJob: false`). */
  analyticsJob: AnalyticsJob | null;
  /** send_server_data_to_push_bouncer now. */
  uploadServerData(opts?: { considerUsageStatistics?: boolean }): Promise<UploadServerDataResult>;
  sendMessage(input: SendMessageInput): Promise<Message>;
  markAsRead(userId: number, messageIds: number[]): void;
  /** Resolves when every queued push / registration task has run. */
  idle(): Promise<void>;
  logLines(): LogLine[];
  stop(): Promise<void>;
}

export async function startZulipServer(options: ZulipServerOptions = {}): Promise<ZulipServerHandle> {
  const owned = acquireDataDir(options.dataDir, 'zpg-zulip-');
  const dataDir = owned.path;
  const dir = path.join(dataDir, COMPONENT);
  fs.mkdirSync(dir, { recursive: true });
  const clock = options.clock ?? new RealClock();
  const seed = options.seed ?? 1;
  let settings = defaultSettings(options.settings);
  const settingsFile = path.join(dir, 'settings.json');
  writeSettingsFile(settingsFile, settings);

  const log = createComponentLog({ component: COMPONENT, dataDir, clock, stderr: options.logToStderr });
  const secrets = new SecretsFile(path.join(dir, 'zulip-secrets.conf'));
  // generate_secrets.py at install time: zulip_org_id and zulip_org_key exist before registering.
  const creds = secrets.ensureCredentials(seededRandom(seed, 'zulip-secrets'));
  log.redactor.add(creds.zulipOrgKey);

  const bouncer = new BouncerClient({
    url: () => (settings.pushNotifications ? settings.servicesUrl : null),
    credentials: () => {
      const c = secrets.credentials();
      if (!c) throw new BouncerCredentialsMissingError();
      log.redactor.add(c.zulipOrgKey);
      return c;
    },
    clock,
    version: serverVersion(settings).version,
    logger: log.logger,
    fetch: options.bouncerFetch,
    retry: options.retry,
  });

  const state = new ServerState(() => clock.now());
  const world = new World(seed, state, settings.externalHost, () => clock.now());
  const queue = new TaskQueue(log.logger);
  const updateSettings = (change: Partial<ZulipServerSettings>): ZulipServerSettings => {
    const wasPaused = settings.servicesUrl === null;
    settings = { ...settings, ...change };
    writeSettingsFile(settingsFile, settings);
    // The service is back: device registrations made while paused go out now.
    if (wasPaused && settings.servicesUrl !== null) resumePendingRegistrations(ctx);
    return settings;
  };
  const ctx: ZulipServerContext = {
    state,
    world,
    clock,
    settings: () => settings,
    updateSettings,
    secrets,
    bouncer,
    queue,
    logger: log.logger,
    zulipLog: pinoReactionLog(log.logger),
    pushesLastWorkingAt: null,
    addSecret: (s) => log.redactor.add(s),
  };
  for (const spec of options.realms ?? [{}]) world.addRealm(spec);

  const ca = options.ca ?? createCertificateAuthority();
  const host = options.host ?? '127.0.0.1';
  const cert = issueServerCertificate(ca, [settings.externalHost, `*.${settings.externalHost}`, 'localhost', '127.0.0.1', '::1']);
  const app = buildZulipApp(ctx, { https: { key: cert.keyPem, cert: cert.certPem }, extraRoutes: options.extraRoutes });
  await app.listen({ host, port: options.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Where the `npm run zulip` CLI finds this server (`--data-dir`): its URL and the CA to trust.
  const caCertFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caCertFile, ca.certPem);
  fs.writeFileSync(path.join(dir, SERVER_INFO_FILE), JSON.stringify({ url, caCertFile, externalHost: settings.externalHost }, null, 2) + '\n');

  const job = options.analyticsJob === false ? null : startAnalyticsJob(ctx, { intervalMs: typeof options.analyticsJob === 'object' ? options.analyticsJob.intervalMs : ANALYTICS_INTERVAL_MS });

  let stopped = false;
  return {
    url,
    port,
    externalHost: settings.externalHost,
    caCertPem: ca.certPem,
    dataDir,
    secretsFile: secrets.path,
    settingsFile,
    logFile: log.file,
    sinks: [log.sink],
    clock,
    context: ctx,
    state,
    world,
    settings: () => settings,
    updateSettings,
    realms: () => [...state.realms.values()],
    users: (realmId) => [...state.users.values()].filter((u) => realmId === undefined || u.realmId === realmId),
    registerServer: (opts) => registerServer(ctx, opts),
    analyticsJob: job,
    uploadServerData: (opts = {}) => sendServerDataToPushBouncer(ctx, { considerUsageStatistics: opts.considerUsageStatistics ?? false }),
    sendMessage: (input) => sendMessage(ctx, input),
    markAsRead: (userId, ids) => markAsRead(ctx, userId, ids),
    idle: () => queue.idle(),
    logLines: () => log.lines(),
    async stop() {
      if (stopped) return;
      stopped = true;
      job?.stop();
      await queue.close();
      await app.close();
      log.close();
      owned.release();
    },
  };
}

export type { RealmSpec } from './world';
export type { ZulipServerSettings } from './settings';
