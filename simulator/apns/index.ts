/**
 * The mock Apple Push Notification service: `startMockApns(options)` → a running handle.
 *
 *   await using apns = await startMockApns({ clock: new VirtualClock(), seed: 7 });
 *   const phone = apns.createDevice('org.zulip.Zulip', { label: "Hamlet's iPhone" });
 *   // point a client at apns.url, trusting apns.caCertPem, signing with apns.keyFile
 *   const delivered = await apns.journal.next(phone.token);
 *
 * HTTP/2 over TLS on one port, certificates from a throwaway CA that also name Apple's hosts;
 * ES256 provider tokens checked against registered keys; every documented validation with
 * Apple's reasons (validate.ts); fault rules, a device registry and a bounded journal shared
 * with the FCM mock (core/provider-mock); the admin surface under /__admin.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RealClock, type Clock } from '../core/clock';
import { createComponentLog, type LogLine } from '../core/logging';
import type { AdminTarget } from '../core/provider-mock/admin';
import { DeviceRegistry, type Device } from '../core/provider-mock/devices';
import { FaultRules } from '../core/provider-mock/faults';
import { Journal } from '../core/provider-mock/journal';
import type { Sink } from '../core/sinks';
import { createCertificateAuthority, issueServerCertificate, type CertificateAuthority } from '../core/tls';
import { apnsAdminRoutes } from './admin';
import { DEFAULT_TOKEN_HEX_LENGTH, DeviceTokenGenerator, isWellFormedDeviceToken, normalizeDeviceToken, type TokenHexLength } from './device-tokens';
import { KeyRing, type NewKeyOptions, type ProviderKey } from './keys';
import { PushHandler, type ApnsEnvironment } from './push-handler';
import { checkFaultReason } from './reasons';
import { createApnsServer } from './server';
import { acquireDataDir } from '../core/data-dir';

export type { ApnsEnvironment } from './push-handler';
export type { ProviderKey, NewKeyOptions } from './keys';
export type { TokenHexLength } from './device-tokens';
export { APNS_REASONS, type ApnsReason } from './reasons';

export const COMPONENT = 'apns';
export const DEFAULT_TOPICS = ['org.zulip.Zulip', 'com.zulip.flutter'];
/** The names a client may dial: Apple's hosts (for DNS-override setups) and loopback. */
export const APNS_HOSTNAMES = [
  'api.push.apple.com',
  'api.sandbox.push.apple.com',
  'api.development.push.apple.com',
  'localhost',
  '127.0.0.1',
  '::1',
];

export interface MockApnsOptions {
  /** The stack's data dir; the mock's files (the .p8 keys) go to `<dataDir>/apns/`. Default: a fresh temp dir. */
  dataDir?: string;
  clock?: Clock;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Share one CA across the stack; default: a new one. */
  ca?: CertificateAuthority;
  /** The first key's team and key id (10 upper-case alphanumerics); default: from the seed, or random. */
  teamId?: string;
  keyId?: string;
  /** More keys to register at start (generated unless a public key is given). */
  extraKeys?: NewKeyOptions[];
  /** App bundle ids this provider may push to. Default org.zulip.Zulip and com.zulip.flutter. */
  topics?: string[];
  /** 'development' (the sandbox: adds apns-unique-id) or 'production'. Default 'development'. */
  environment?: ApnsEnvironment;
  /** Journal ring size. Default 10 000. */
  journalCapacity?: number;
  /** Makes team/key ids, device tokens and fault shares repeat run to run. */
  seed?: number;
  /** Accepted device-token lengths in hex characters. Default exactly 64. */
  tokenHexLength?: TokenHexLength;
  logToStderr?: boolean;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** SETTINGS_MAX_CONCURRENT_STREAMS. Default 1000. */
  maxConcurrentStreams?: number;
}

export interface MockApnsHandle extends AsyncDisposable {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The CA clients must trust (PEM)... */
  caCertPem: string;
  /** ...and as a file, for another process (`NODE_EXTRA_CA_CERTS`, aioapns's ssl_context). */
  caCertFile: string;
  teamId: string;
  keyId: string;
  /** Absolute path of `AuthKey_<keyId>.p8`, the PKCS#8 key real clients load. */
  keyFile: string;
  environment: ApnsEnvironment;
  /** The registered app topics (a snapshot). */
  readonly topics: string[];
  dataDir: string;
  clock: Clock;
  journal: Journal;
  rules: FaultRules;
  devices: DeviceRegistry;
  logFile: string;
  sinks: Sink[];
  /** A phone installs an app: a fresh token (or the given one) registered for `topic`. */
  createDevice(topic: string, opts?: { label?: string; token?: string }): Device;
  /** The app is uninstalled: from now on the token answers 410 Unregistered with this time. */
  unregisterDevice(token: string): Device;
  addTopic(topic: string): void;
  addKey(opts?: NewKeyOptions): Promise<ProviderKey>;
  keys(): ProviderKey[];
  connectionCount(): number;
  logLines(): LogLine[];
  stop(): Promise<void>;
}

export async function startMockApns(options: MockApnsOptions = {}): Promise<MockApnsHandle> {
  const ownedDir = acquireDataDir(options.dataDir, 'zpg-apns-');
  const dataDir = ownedDir.path;
  const ownDir = path.join(dataDir, COMPONENT);
  fs.mkdirSync(ownDir, { recursive: true });
  const clock = options.clock ?? new RealClock();
  const environment = options.environment ?? 'development';
  const tokenHexLength = options.tokenHexLength ?? DEFAULT_TOKEN_HEX_LENGTH;
  if (!(tokenHexLength.min >= 1 && tokenHexLength.min <= tokenHexLength.max)) {
    throw new RangeError(`tokenHexLength ${JSON.stringify(tokenHexLength)} is not a range`);
  }
  const log = createComponentLog({ component: COMPONENT, dataDir, clock, level: options.logLevel ?? 'info', stderr: options.logToStderr });

  const keys = new KeyRing(ownDir, options.seed);
  const first = await keys.add({ teamId: options.teamId, keyId: options.keyId });
  for (const k of options.extraKeys ?? []) await keys.add(k);

  const topics = new Set(options.topics ?? DEFAULT_TOPICS);
  const journal = new Journal('apns', clock, options.journalCapacity);
  const rules = new FaultRules(options.seed ?? 1, checkFaultReason);
  const devices = new DeviceRegistry(normalizeDeviceToken);
  const tokens = new DeviceTokenGenerator(tokenHexLength.min, options.seed);

  const createDevice = (topic: string, opts: { label?: string; token?: string } = {}): Device => {
    if (typeof topic !== 'string' || topic === '') throw new Error('a device needs the topic (bundle id) of its app');
    const token = opts.token === undefined ? tokens.next() : normalizeDeviceToken(opts.token);
    if (!isWellFormedDeviceToken(token, tokenHexLength)) {
      throw new Error(`device token ${token} is not ${tokenHexLength.min}–${tokenHexLength.max} hex characters`);
    }
    // Any app may be installed; whether this provider may push to it is TopicDisallowed's business.
    return devices.add(token, topic, clock.now(), opts.label);
  };
  const unregisterDevice = (token: string): Device => {
    const d = devices.unregister(token, clock.now());
    if (!d) throw new Error(`no device ${token}`);
    return d;
  };
  const addTopic = (topic: string) => void topics.add(topic);

  const ca = options.ca ?? createCertificateAuthority('Mock APNs Test CA');
  const caCertFile = path.join(ownDir, 'ca.pem');
  fs.writeFileSync(caCertFile, ca.certPem);
  const host = options.host ?? '127.0.0.1';
  const leaf = issueServerCertificate(ca, [...new Set([...APNS_HOSTNAMES, ...(isWildcard(host) ? [] : [host])])]);

  const push = new PushHandler({
    clock,
    journal,
    rules,
    devices,
    keys,
    topics,
    environment,
    tokenHexLength,
    log: log.logger.child({ logger: 'apns.requests' }),
    redactSecret: (s) => log.redactor.add(s),
  });
  const admin: AdminTarget = {
    component: COMPONENT,
    clock,
    journal,
    rules,
    devices,
    createDevice,
    extra: apnsAdminRoutes({
      environment,
      teamId: first.teamId,
      keyId: first.keyId,
      keyFile: first.keyFile!,
      caCertPem: ca.certPem,
      keys,
      topics: () => [...topics],
      addTopic,
    }),
  };
  const server = createApnsServer({ keyPem: leaf.keyPem, certPem: leaf.certPem, maxConcurrentStreams: options.maxConcurrentStreams ?? 1000, push, admin });
  const address = await server.listen(host, options.port ?? 0);
  const urlHost = isWildcard(host) ? '127.0.0.1' : net.isIPv6(address.address) ? `[${address.address}]` : address.address;
  const url = `https://${urlHost}:${address.port}`;

  const sinks: Sink[] = [
    log.sink,
    {
      name: 'apns.journal',
      component: COMPONENT,
      kind: 'journal',
      read: () => journal.dump(),
      description: 'the mock APNs request journal: headers (authorization redacted) and payloads as a provider receives them',
    },
  ];

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    log.close();
    ownedDir.release();
  };

  log.logger
    .child({ logger: 'apns' })
    .info({ environment, teamId: first.teamId, keyId: first.keyId, topics: [...topics] }, `Mock APNs listening on ${url}`);
  return {
    url,
    port: address.port,
    caCertPem: ca.certPem,
    caCertFile,
    teamId: first.teamId,
    keyId: first.keyId,
    keyFile: first.keyFile!,
    environment,
    get topics() {
      return [...topics];
    },
    dataDir,
    clock,
    journal,
    rules,
    devices,
    logFile: log.file,
    sinks,
    createDevice,
    unregisterDevice,
    addTopic,
    addKey: (opts) => keys.add(opts),
    keys: () => keys.list(),
    connectionCount: server.connectionCount,
    logLines: log.lines,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';
