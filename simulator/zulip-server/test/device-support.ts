/**
 * One stack per device-API test file: a VirtualClock shared by a real bouncer (in-memory
 * database), the fake Zulip server (HTTPS, its own CA) registered there directly, its realms
 * uploaded (so E2EE registrations find them), and optionally the mock APNs/FCM for phones.
 * Calls go through HTTP: `api(user)` is the phones' HttpZulipAccountApi, `call()` a raw request
 * for the error cases.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { tempDir } from '../../../harness/testing/temp-dir';
import { startMockApns, type MockApnsHandle } from '../../apns';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import { VirtualClock } from '../../core/clock';
import { createCertificateAuthority } from '../../core/tls';
import { AndroidPhone, IosPhone, type Phone } from '../../devices/phone';
import { sodiumReady } from '../../devices/push-keys';
import { HttpZulipAccountApi } from '../../devices/zulip-api';
import { startMockFcm, type MockFcmHandle } from '../../fcm';
import { uploadServerData } from '../bouncer-client/analytics-upload';
import { isSkipped } from '../bouncer-client/client';
import { startZulipServer, type ZulipServerHandle } from '../index';
import { serverVersion } from '../settings';
import type { User } from '../types';

export const IOS_APP_ID = 'org.zulip.Zulip';
/** A 64-hex-digit APNs token / an FCM registration token, distinct per `n`. */
export const apnsToken = (n: number) => n.toString(16).padStart(64, 'c');
export const fcmToken = (n: number) => `fcm-token-${n}:APA91bHun4MxP5egoKMwt2KZFBaFUH`;

export interface DeviceStackOptions {
  profile: 11 | 12;
  /** Start the mock APNs and FCM (for real phones). */
  providers?: boolean;
}

export interface CallResult {
  status: number;
  body: Record<string, unknown>;
}

export interface DeviceStack {
  clock: VirtualClock;
  bouncer: BouncerHandle;
  zulip: ZulipServerHandle;
  apns?: MockApnsHandle;
  fcm?: MockFcmHandle;
  /** A fetch trusting the fake server's CA. */
  fetch: typeof fetch;
  /** The first realm's humans, in creation order, and its bot. */
  humans: User[];
  bot: User;
  api(user: User): HttpZulipAccountApi;
  /** One raw request: form-encoded, Basic auth as `user` (or the given header; none with `auth: null`). */
  call(method: string, path: string, opts?: { user?: User; form?: Record<string, string>; auth?: string | null }): Promise<CallResult>;
  iosPhone(user: User, opts?: { bouncerPublicKey?: string; featureLevel?: number }): IosPhone;
  androidPhone(user: User, opts?: { bouncerPublicKey?: string; featureLevel?: number }): AndroidPhone;
  /** Uploads the server's realms to the bouncer (the metadata part of send_server_data_to_push_bouncer). */
  uploadRealms(): Promise<void>;
  /** The fake server's log messages so far, optionally of one Python logger. */
  logs(logger?: string): string[];
  /** Holds the server's (ordered) queue until the returned function is called: work enqueued meanwhile waits. */
  holdQueue(): () => void;
  /** Polls (real time) until `cond` holds; fails after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs?: number): Promise<void>;
  /** The bouncer's rows (SQL). */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

export const basicAuth = (email: string, key: string) => 'Basic ' + Buffer.from(`${email}:${key}`, 'utf8').toString('base64');

export async function startDeviceStack(opts: DeviceStackOptions): Promise<DeviceStack> {
  await sodiumReady();
  const clock = new VirtualClock();
  const dataDir = tempDir('zpg-devices-');
  const bouncer = await startBouncer({ clock, dataDir, database: 'memory', logLevel: 'silent', e2eeProfile: opts.profile });
  const zulip = await startZulipServer({ dataDir, clock, analyticsJob: false, settings: { servicesUrl: bouncer.url, profile: opts.profile } });
  const ca = createCertificateAuthority('Device API tests CA');
  const [apns, fcm] = opts.providers
    ? await Promise.all([startMockApns({ clock, ca, dataDir, seed: 7, logLevel: 'silent' }), startMockFcm({ clock, ca, dataDir, seed: 7, logLevel: 'silent' })])
    : [undefined, undefined];

  // manage.py register_server, then the realms' metadata (push/e2ee/register needs the realm).
  const registered = await zulip.context.bouncer.registerServer({ hostname: zulip.externalHost, contactEmail: 'admin@zulip.com' });
  if (isSkipped(registered)) throw new Error('register_server was skipped');
  const v = serverVersion(zulip.settings());
  const uploadRealms = async () => {
    const upload = await uploadServerData(
      zulip.context.bouncer,
      { realms: zulip.realms(), auditLogs: [], version: v.version, mergeBase: v.mergeBase, apiFeatureLevel: v.featureLevel, uploadLevel: 'BILLING' },
      { considerUsageStatistics: false, raiseOnError: true },
    );
    if (upload.outcome !== 'uploaded') throw new Error(`realm upload: ${upload.outcome}`);
  };
  await uploadRealms();

  const agent = new Agent({ connect: { ca: zulip.caCertPem } });
  const tlsFetch = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as typeof fetch;

  const realmId = zulip.realms()[0]!.id;
  const people = zulip.users(realmId);
  const humans = people.filter((u) => !u.isBot);
  const bot = people.find((u) => u.isBot)!;

  const api = (user: User) =>
    new HttpZulipAccountApi({ realmUrl: zulip.url, email: user.email, apiKey: zulip.state.apiKeyOf(user.id), fetch: tlsFetch });

  const account = (user: User, featureLevel: number) => ({ realmUrl: zulip.state.realm(user.realmId).url, userId: user.id, zulipFeatureLevel: featureLevel, email: user.email });
  const phoneOptions = (user: User, o: { bouncerPublicKey?: string; featureLevel?: number }) => ({
    account: account(user, o.featureLevel ?? v.featureLevel),
    api: api(user),
    clock,
    bouncerPublicKey: o.bouncerPublicKey ?? bouncer.e2eePublicKey,
  });

  return {
    clock,
    bouncer,
    zulip,
    apns,
    fcm,
    fetch: tlsFetch,
    humans,
    bot,
    api,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      const auth = o.auth !== undefined ? o.auth : o.user ? basicAuth(o.user.email, zulip.state.apiKeyOf(o.user.id)) : null;
      if (auth !== null) headers.authorization = auth;
      const res = await tlsFetch(zulip.url + path, {
        method,
        headers,
        body: method === 'GET' ? undefined : new URLSearchParams(o.form ?? {}).toString(),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    iosPhone(user, o = {}) {
      if (!apns) throw new Error('start the stack with providers: true');
      return new IosPhone({ label: `${user.fullName}'s iPhone`, provider: apns, appScope: IOS_APP_ID, ...phoneOptions(user, o) });
    },
    androidPhone(user, o = {}) {
      if (!fcm) throw new Error('start the stack with providers: true');
      return new AndroidPhone({ label: `${user.fullName}'s Pixel`, provider: fcm, appScope: fcm.projectId, ...phoneOptions(user, o) });
    },
    uploadRealms,
    holdQueue() {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      zulip.context.queue.enqueue('test-hold', () => gate);
      return release;
    },
    logs: (logger) => zulipLogMessages(zulip, logger),
    async until(cond, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    query: (sql, ...params) => bouncer.query(sql, ...params),
    async stop() {
      await zulip.stop();
      await Promise.all([bouncer.stop(), apns?.stop(), fcm?.stop()]);
      await agent.close();
    },
  };
}

/** The error envelope `{result: 'error', msg, code}` of a call. */
export const errorOf = (r: CallResult) => ({ status: r.status, code: r.body.code, msg: r.body.msg });

/** The messages logged by the fake server under `logger` (Zulip's Python logger name). */
export const zulipLogMessages = (zulip: ZulipServerHandle, logger?: string): string[] =>
  zulip
    .logLines()
    .filter((l) => logger === undefined || l.logger === logger)
    .map((l) => l.msg);

export type { Phone };
