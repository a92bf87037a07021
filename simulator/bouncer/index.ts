/**
 * The push notification service ("bouncer"): `startBouncer(options)` → a running handle.
 *
 *   await using bouncer = await startBouncer({ clock: new VirtualClock() });
 *   fetch(`${bouncer.url}/api/v1/remotes/server/register`, ...)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RealClock, nowSeconds, type Clock } from '../core/clock';
import { acquireDataDir } from '../core/data-dir';
import { createComponentLog, type LogLine, type Logger } from '../core/logging';
import type { Sink } from '../core/sinks';
import { registerAdminRoutes } from './admin';
import { buildApp } from './app';
import type { BouncerConfig, BouncerContext, ResponseRecord } from './context';
import {
  DEFAULT_REMOTE_SERVER_RULES,
  SlidingLogRateLimiter,
  TRANSFER_VERIFY_RULES,
  type RateLimitRule,
} from './http/rate-limit';
import { DB_FILE_NAME, openDatabase, type Db } from './store/db';
import { AnalyticsStore } from './store/analytics';
import { PlanStore } from './store/plans';
import { RealmStore } from './store/realms';
import { ServerStore } from './store/servers';
import { ApnsClient, type ApnsClientConfig } from './providers/apns-client';
import { FcmClient, type FcmClientConfig } from './providers/fcm-client';
import { KeyRing } from './e2ee/key-ring';
import { E2eeDeviceStore } from './store/e2ee-devices';
import { LegacyDeviceStore } from './store/legacy-devices';
import type { TransferHostClient } from './transfer/host-client';
import { createHttpsHostClient, type HttpsHostClientOptions } from './transfer/https-host-client';
import { defaultDnsTable, type DnsResolver } from './validation/dns';
import { registerWebRoutes } from './web';

export const COMPONENT = 'bouncer';
/** `<dataDir>/bouncer/responses.jsonl`: every response body sent, one JSON line each (a privacy sink). */
export const RESPONSES_FILE = 'responses.jsonl';

export interface BouncerOptions {
  /** The stack's data dir; the bouncer keeps its files in `<dataDir>/bouncer/`. Default: a fresh temp dir. */
  dataDir?: string;
  /** 'memory' runs the same SQL on an in-memory database (unit tests). Default 'file'. */
  database?: 'file' | 'memory';
  clock?: Clock;
  host?: string;
  port?: number;
  /** api_by_remote_server rules; false disables. Default: 1000 requests per 60 s. */
  rateLimit?: RateLimitRule[] | false;
  /** verify_challenge's global limit; false disables. Default: 30 per day. */
  transferVerifyLimit?: RateLimitRule[] | false;
  /** Contact-email DNS; default: the offline fixture table (admin surface can edit it). */
  dns?: DnsResolver;
  /** How registration-transfer verification reaches hosts (a client, or where hosts are and which CA to trust). */
  transferHosts?: TransferHostClient | HttpsHostClientOptions;
  rootHost?: string;
  e2eeProfile?: 11 | 12;
  /** Where the bouncer sends pushes (the stack points these at the mocks); absent = not configured. */
  apns?: ApnsClientConfig;
  fcm?: FcmClientConfig;
  supportEmail?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logToStderr?: boolean;
}

export interface BouncerHandle extends AsyncDisposable {
  url: string;
  port: number;
  dataDir: string;
  /** The SQLite file, or null with `database: 'memory'`. */
  databaseFile: string | null;
  logFile: string;
  sinks: Sink[];
  clock: Clock;
  dns: DnsResolver;
  config: Readonly<BouncerConfig>;
  /** The current E2EE registration public key (standard base64), as apps embed it. Follows rotation. */
  readonly e2eePublicKey: string;
  /** The bouncer's log so far, parsed. */
  logLines(): LogLine[];
  /** The bouncer's root logger (its lines go to the `bouncer.log` sink, through the secret redactor). */
  logger: Logger;
  /**
   * The provider bearer tokens this bouncer obtained so far (APNs provider JWTs it signed, FCM
   * OAuth access tokens it was granted): secrets the privacy scanner searches every sink for.
   */
  bearerTokens(): string[];
  /** Read-only SQL for tests and the privacy scanner's table dump. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

export async function startBouncer(options: BouncerOptions = {}): Promise<BouncerHandle> {
  const ownedDir = acquireDataDir(options.dataDir, 'zpg-bouncer-');
  const dataDir = ownedDir.path;
  const ownDir = path.join(dataDir, COMPONENT);
  fs.mkdirSync(ownDir, { recursive: true });
  const clock = options.clock ?? new RealClock();
  const log = createComponentLog({
    component: COMPONENT,
    dataDir,
    clock,
    level: options.logLevel ?? 'debug',
    stderr: options.logToStderr,
  });

  const databaseFile = options.database === 'memory' ? null : path.join(ownDir, DB_FILE_NAME);
  const db: Db = openDatabase(databaseFile ?? ':memory:');

  const config: BouncerConfig = {
    rateLimitRules: options.rateLimit === false ? [] : (options.rateLimit ?? DEFAULT_REMOTE_SERVER_RULES),
    transferVerifyRules:
      options.transferVerifyLimit === false ? [] : (options.transferVerifyLimit ?? TRANSFER_VERIFY_RULES),
    supportEmail: options.supportEmail ?? 'support@zulip.com',
    secretKey: loadOrCreateSecretKey(ownDir),
    rootHost: options.rootHost,
    e2eeProfile: options.e2eeProfile ?? 12,
  };
  log.redactor.add(config.secretKey);
  const servers = new ServerStore(db);
  // PUSH_REGISTRATION_ENCRYPTION_KEYS: kept beside the database (in memory for a memory database).
  const keyRing = await KeyRing.load({ dir: databaseFile ? ownDir : null, redactor: log.redactor });
  const e2eeDevices = new E2eeDeviceStore(db);
  const legacyDevices = new LegacyDeviceStore(db);
  const providers = {
    apns: options.apns ? new ApnsClient(options.apns, clock) : null,
    fcm: options.fcm ? new FcmClient(options.fcm, clock) : null,
  };
  // Provider credentials and the tokens made from them never reach a log.
  log.redactor.add(options.apns?.keyPem);
  log.redactor.add(options.fcm?.serviceAccount.private_key);
  const bearerTokens = new Set<string>();
  if (providers.apns)
    providers.apns.onNewToken = (jwt) => {
      log.redactor.add(jwt);
      bearerTokens.add(jwt);
    };
  if (providers.fcm)
    providers.fcm.onNewToken = (token) => {
      log.redactor.add(token);
      bearerTokens.add(token);
    };
  const realms = new RealmStore(db);
  const counts = new AnalyticsStore(db);
  const plans = new PlanStore(db);
  for (const s of servers.all()) log.redactor.add(s.apiKey);

  // Synchronous appends: a response is in the file before the client has read it.
  const responsesFile = path.join(ownDir, RESPONSES_FILE);
  let responsesFd: number | null = fs.openSync(responsesFile, 'a', 0o600);

  const transferHosts =
    options.transferHosts && 'get' in options.transferHosts
      ? options.transferHosts
      : createHttpsHostClient(options.transferHosts ?? {});

  const ctx: BouncerContext = {
    clock,
    db,
    servers,
    keyRing,
    e2eeDevices,
    legacyDevices,
    providers,
    realms,
    counts,
    plans,
    config,
    log,
    loggers: {
      requests: log.logger.child({ logger: 'zulip.requests' }),
      views: log.logger.child({ logger: 'zilencer.views' }),
      auth: log.logger.child({ logger: 'zilencer.auth' }),
      root: log.logger.child({ logger: 'root' }),
      push: log.logger.child({ logger: 'zerver.lib.push_notifications' }),
      e2eePush: log.logger.child({ logger: 'zilencer.lib.push_notifications' }),
    },
    rateLimiter: new SlidingLogRateLimiter(config.rateLimitRules),
    transferLimiter: new SlidingLogRateLimiter(config.transferVerifyRules),
    dns: options.dns ?? defaultDnsTable(),
    transferHosts,
    now: () => nowSeconds(clock),
    recordResponse: (r: ResponseRecord) => {
      try {
        if (responsesFd !== null) fs.writeSync(responsesFd, JSON.stringify(r) + '\n');
      } catch {
        // A response must never fail because its copy could not be kept.
      }
    },
  };

  const app = buildApp(ctx);
  registerAdminRoutes(app, ctx);
  registerWebRoutes(app, ctx); // the plan-management pages (/serverlogin/)
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('bouncer did not bind a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const sinks: Sink[] = [log.sink];
  if (databaseFile) {
    sinks.push({
      name: 'bouncer.db',
      component: COMPONENT,
      kind: 'database',
      path: databaseFile,
      description: "the bouncer's SQLite database (raw bytes; -wal and -shm files beside it)",
    });
  }
  // After stop() the database is closed: the dump taken at shutdown stands in for it.
  let finalDump: string | null = null;
  sinks.push(
    {
      name: 'bouncer.db.tables',
      component: COMPONENT,
      kind: 'database',
      read: () => finalDump ?? dumpTables(db),
      description: 'a readable dump of every table of the bouncer database: one JSON line {table, row, values} per row (BLOBs as {"$base64": …})',
    },
    {
      name: 'bouncer.responses',
      component: COMPONENT,
      kind: 'http-responses',
      path: responsesFile,
      description: 'every HTTP response body the bouncer sent, success and error: JSON lines {status, path, body} (paths without query strings)',
    },
  );

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
    if (responsesFd !== null) fs.closeSync(responsesFd);
    responsesFd = null;
    finalDump = dumpTables(db);
    if (databaseFile) db.pragma('wal_checkpoint(TRUNCATE)');
    providers.apns?.close();
    providers.fcm?.close();
    db.close();
    log.close();
    ownedDir.release();
  };

  log.logger.child({ logger: 'bouncer' }).info(`Bouncer listening on ${url}`);
  return {
    url,
    port: address.port,
    dataDir,
    databaseFile,
    logFile: log.file,
    sinks,
    clock,
    dns: ctx.dns,
    config,
    get e2eePublicKey() {
      return keyRing.currentPublicKey();
    },
    logLines: log.lines,
    logger: log.logger,
    bearerTokens: () => [...bearerTokens],
    query: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Every row of every table, one JSON line each: `{"table", "row" (rowid), "values"}`; BLOBs as `{"$base64": …}`. */
export function dumpTables(db: Db): string {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const lines: string[] = [];
  for (const table of tables) {
    const quoted = `"${table.replace(/"/g, '""')}"`;
    let rows: Record<string, unknown>[];
    try {
      rows = db.prepare(`SELECT rowid AS "__rowid__", * FROM ${quoted}`).all() as Record<string, unknown>[];
    } catch {
      rows = db.prepare(`SELECT * FROM ${quoted}`).all() as Record<string, unknown>[]; // WITHOUT ROWID
    }
    rows.forEach((r, i) => {
      const { __rowid__: rowid, ...values } = r;
      for (const [k, v] of Object.entries(values)) if (Buffer.isBuffer(v)) values[k] = { $base64: v.toString('base64') };
      lines.push(JSON.stringify({ table, row: rowid ?? i + 1, values }));
    });
  }
  return lines.join('\n');
}

/** Django's SECRET_KEY analogue, kept with the data so a restarted bouncer verifies its own secrets. */
function loadOrCreateSecretKey(dir: string): string {
  const file = path.join(dir, 'secret_key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const key = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}
