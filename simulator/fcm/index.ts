/**
 * Mock Firebase Cloud Messaging (HTTP v1) with its OAuth2 token endpoint: `startMockFcm(options)`
 * → a running handle. Unmodified firebase-admin talks to it (client-redirect.md §2; see
 * client-redirect.cjs for the zero-code-change preload), and scenarios read what a phone would
 * receive from its journal.
 *
 *   await using fcm = await startMockFcm({ clock, dataDir });
 *   const phone = fcm.createDevice();                       // a registration token
 *   // ... the bouncer sends with fcm.serviceAccountFile to fcm.url ...
 *   const entry = await fcm.journal.next(phone.token);      // entry.notification: FcmDelivery
 *
 * Files under `<dataDir>/fcm/`: service-account.json (default project; others
 * service-account-<project>.json), ca.pem (for NODE_EXTRA_CA_CERTS); log at `<dataDir>/logs/fcm.log`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RealClock, type Clock } from '../core/clock';
import { createComponentLog, type LogLine } from '../core/logging';
import type { Device } from '../core/provider-mock/devices';
import { DeviceRegistry } from '../core/provider-mock/devices';
import { FaultRules } from '../core/provider-mock/faults';
import { Journal } from '../core/provider-mock/journal';
import type { Sink } from '../core/sinks';
import { createCertificateAuthority, issueServerCertificate, type CertificateAuthority } from '../core/tls';
import { AccessTokenStore } from './access-tokens';
import { fcmAdminTarget } from './admin';
import type { FcmContext } from './context';
import { checkFcmReason } from './errors';
import { IdGenerator } from './ids';
import { GOOGLE_TOKEN_URL } from './oauth';
import { createHandler } from './router';
import { FcmServers } from './server';
import { loadOrCreateServiceAccount, PROJECT_ID_PATTERN, publicView, ServiceAccountRegistry, type ServiceAccountJson } from './service-account';
import { acquireDataDir } from '../core/data-dir';

export type { FcmDelivery, Target } from './message';
export type { ServiceAccountJson } from './service-account';
export { FCM_ERRORS, type FcmErrorCode } from './errors';
export { REGISTRATION_TOKEN_PATTERN } from './ids';

export const COMPONENT = 'fcm';
export const DEFAULT_PROJECT_ID = 'zulip-push-sim';
/** The names the TLS certificate answers for: the real hosts (for redirected clients) and loopback. */
export const TLS_HOSTNAMES = ['fcm.googleapis.com', 'oauth2.googleapis.com', 'localhost', '127.0.0.1', '::1'];

export interface MockFcmOptions {
  /** The stack's data dir; files go to `<dataDir>/fcm/`. Default: a fresh temp dir. */
  dataDir?: string;
  clock?: Clock;
  /** Default 127.0.0.1. */
  host?: string;
  /** Plain-HTTP port; default 0 (any free port). */
  port?: number;
  /** TLS (h2 + http/1.1) port; default 0. */
  tlsPort?: number;
  /** The stack's CA, so every mock is trusted through one certificate. Default: a fresh CA. */
  ca?: CertificateAuthority;
  /** The default Firebase project. Default `zulip-push-sim`. */
  projectId?: string;
  journalCapacity?: number;
  /** Seeds registration tokens, message ids and fault-rule shares. Default 1. */
  seed?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logToStderr?: boolean;
}

export interface MockFcmHandle extends AsyncDisposable {
  /** http://host:port — FCM API and token endpoint, plain HTTP (interfaces.md `fcm.url`). */
  url: string;
  /** `${url}/token`; also the service account file's `token_uri`. */
  tokenUri: string;
  /** https://host:tlsPort — the same service over TLS, HTTP/2 and HTTP/1.1. */
  tlsUrl: string;
  tlsTokenUri: string;
  port: number;
  tlsPort: number;
  caCertPem: string;
  /** `<dataDir>/fcm/ca.pem`, for NODE_EXTRA_CA_CERTS. */
  caCertFile: string;
  projectId: string;
  /** Absolute path of the default project's service-account JSON (it holds the private key). */
  serviceAccountFile: string;
  /** That JSON without its private key. */
  serviceAccount: Omit<ServiceAccountJson, 'private_key'>;
  dataDir: string;
  clock: Clock;
  journal: Journal;
  rules: FaultRules;
  devices: DeviceRegistry;
  /** A simulated phone's registration token for a project (default: the default project). */
  createDevice(projectId?: string, opts?: { label?: string; token?: string }): Device;
  /** The app was uninstalled: sends answer 404 UNREGISTERED from now on. */
  unregisterDevice(token: string): Device | undefined;
  /** Another Firebase project with its own service account. */
  addProject(projectId: string): Promise<{ projectId: string; clientEmail: string; serviceAccountFile: string }>;
  sinks: Sink[];
  logFile: string;
  logLines(): LogLine[];
  stop(): Promise<void>;
}

export async function startMockFcm(options: MockFcmOptions = {}): Promise<MockFcmHandle> {
  const ownedDir = acquireDataDir(options.dataDir, 'zpg-fcm-');
  const dataDir = ownedDir.path;
  const ownDir = path.join(dataDir, COMPONENT);
  fs.mkdirSync(ownDir, { recursive: true });
  const clock = options.clock ?? new RealClock();
  const defaultProject = options.projectId ?? DEFAULT_PROJECT_ID;
  if (!PROJECT_ID_PATTERN.test(defaultProject)) throw new Error(`projectId must match ${PROJECT_ID_PATTERN}`);
  const seed = options.seed ?? 1;
  const log = createComponentLog({ component: COMPONENT, dataDir, clock, level: options.logLevel ?? 'debug', stderr: options.logToStderr });

  const ca = options.ca ?? createCertificateAuthority('Zulip Push Proving Ground FCM CA');
  const leaf = issueServerCertificate(ca, TLS_HOSTNAMES);
  const caCertFile = path.join(ownDir, 'ca.pem');
  fs.writeFileSync(caCertFile, ca.certPem);

  let urls = { url: '', tokenUri: '', tlsUrl: '', tlsTokenUri: '', localhost: [] as string[] };
  const accounts = new ServiceAccountRegistry();
  const devices = new DeviceRegistry();
  const ids = new IdGenerator(seed);
  const ctx: FcmContext = {
    clock,
    journal: new Journal('fcm', clock, options.journalCapacity),
    rules: new FaultRules(seed, checkFcmReason),
    devices,
    accounts,
    tokens: new AccessTokenStore(),
    ids,
    log,
    logger: log.logger.child({ logger: 'fcm' }),
    defaultProject,
    audiences: () => new Set([urls.tokenUri, urls.tlsTokenUri, ...urls.localhost, GOOGLE_TOKEN_URL]),
    addProject: async (projectId) => {
      const file = path.join(ownDir, projectId === defaultProject ? 'service-account.json' : `service-account-${projectId}.json`);
      const sa = await loadOrCreateServiceAccount(file, projectId, urls.tokenUri);
      log.redactor.add(sa.json.private_key);
      accounts.add(sa);
      ctx.logger.info({ project: projectId, clientEmail: sa.clientEmail }, `project ${projectId} with service account ${sa.clientEmail}`);
      return sa;
    },
    createDevice: (projectId = defaultProject, opts = {}) => devices.add(opts.token ?? ids.registrationToken(), projectId, clock.now(), opts.label),
  };

  const servers = new FcmServers(
    createHandler(ctx, fcmAdminTarget(ctx, () => info()), { drop: (req, res, action) => servers.drop(req, res, action) }),
    { key: leaf.keyPem, cert: leaf.certPem },
  );
  const host = options.host ?? '127.0.0.1';
  const { port, tlsPort } = await servers.listen(host, options.port ?? 0, options.tlsPort ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  urls = {
    url: `http://${urlHost}:${port}`,
    tokenUri: `http://${urlHost}:${port}/token`,
    tlsUrl: `https://${urlHost}:${tlsPort}`,
    tlsTokenUri: `https://${urlHost}:${tlsPort}/token`,
    localhost: [`http://localhost:${port}/token`, `https://localhost:${tlsPort}/token`],
  };
  const sa = await ctx.addProject(defaultProject);

  const info = () => ({
    url: urls.url,
    tokenUri: urls.tokenUri,
    tlsUrl: urls.tlsUrl,
    tlsTokenUri: urls.tlsTokenUri,
    projectId: defaultProject,
    serviceAccountFile: sa.file,
    caCertFile,
    caCertPem: ca.certPem,
    tlsHostnames: TLS_HOSTNAMES,
  });

  const sinks: Sink[] = [
    log.sink,
    {
      name: 'fcm.journal',
      component: COMPONENT,
      kind: 'journal',
      read: () => ctx.journal.dump(),
      description: 'every request the mock FCM received (bodies as sent, authorization and OAuth secrets redacted) and what it answered',
    },
  ];

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await servers.close();
    log.close();
    ownedDir.release();
  };

  ctx.logger.info({ url: urls.url, tlsUrl: urls.tlsUrl, project: defaultProject }, `FCM mock listening on ${urls.url} and ${urls.tlsUrl}`);
  return {
    url: urls.url,
    tokenUri: urls.tokenUri,
    tlsUrl: urls.tlsUrl,
    tlsTokenUri: urls.tlsTokenUri,
    port,
    tlsPort,
    caCertPem: ca.certPem,
    caCertFile,
    projectId: defaultProject,
    serviceAccountFile: sa.file,
    serviceAccount: publicView(sa),
    dataDir,
    clock,
    journal: ctx.journal,
    rules: ctx.rules,
    devices,
    createDevice: ctx.createDevice,
    unregisterDevice: (token) => devices.unregister(token, clock.now()),
    addProject: async (projectId) => {
      if (!PROJECT_ID_PATTERN.test(projectId)) throw new Error(`projectId must match ${PROJECT_ID_PATTERN}`);
      const added = accounts.forProject(projectId) ?? (await ctx.addProject(projectId));
      return { projectId, clientEmail: added.clientEmail, serviceAccountFile: added.file };
    },
    sinks,
    logFile: log.file,
    logLines: log.lines,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
