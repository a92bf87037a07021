/**
 * The embedded runtime: every component in this Node process on loopback ports, one data dir,
 * one clock, one throwaway CA. The bouncer's provider clients point at the mock APNs (HTTP/2 +
 * TLS) and the mock FCM (TLS), with the credentials those mocks generated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMockApns, type MockApnsHandle } from '../../simulator/apns';
import { startBouncer, type BouncerHandle } from '../../simulator/bouncer';
import type { ServiceAccount } from '../../simulator/bouncer/providers/fcm-client';
import { RealClock, VirtualClock, type Clock } from '../../simulator/core/clock';
import type { Sink } from '../../simulator/core/sinks';
import { createCertificateAuthority, type CertificateAuthority } from '../../simulator/core/tls';
import { startMockFcm, type MockFcmHandle } from '../../simulator/fcm';
import { acquireDataDir } from '../../simulator/core/data-dir';
import { startZulipServer, type RealmSpec, type ZulipServerHandle, type ZulipServerSettings } from '../../simulator/zulip-server';

export interface StackOptions {
  /** Where every component keeps its files; default a fresh temp dir. */
  dataDir?: string;
  /** 'virtual' (default for scenarios) or 'real' (default for `up`). */
  clock?: 'real' | 'virtual' | Clock;
  /** E2EE protocol profile of the bouncer: 12 (token_id, default) or 11 (push_account_id). */
  profile?: 11 | 12;
  /** Seed for synthetic data (tokens, ids, fault shares); recorded so a run can be replayed. */
  seed?: number;
  /** Mirror component logs to stderr. */
  logToStderr?: boolean;
  /** The bouncer's api_by_remote_server rules; default Zulip's 1000 per 60 s. */
  rateLimit?: { windowSeconds: number; maxRequests: number }[] | false;
  /**
   * Other hosts of the simulated Internet that the bouncer's registration-transfer verification
   * can reach (hostname → where it listens), besides the fake server at its EXTERNAL_HOST.
   */
  transferHosts?: Record<string, { host: string; port: number }>;
  /** The fake Zulip server: its organisations and settings (ZULIP_SERVICES_URL defaults to the bouncer). */
  zulip?: { realms?: RealmSpec[]; settings?: Partial<ZulipServerSettings>; analyticsJob?: boolean };
}

export interface Stack extends AsyncDisposable {
  dataDir: string;
  clock: Clock;
  seed: number;
  bouncer: BouncerHandle;
  apns: MockApnsHandle;
  fcm: MockFcmHandle;
  zulip: ZulipServerHandle;
  /** Every sink of every component, for the privacy scanner. */
  sinks(): Sink[];
  /** The `up --json` document (spec/interfaces.md). */
  describe(): UpDescription;
  stop(): Promise<void>;
}

export interface UpDescription {
  bouncer: { url: string; e2eePublicKey: string; adminUrl: string; profile: 11 | 12 };
  apns: { url: string; caCertPem: string; caCertFile: string; teamId: string; keyId: string; keyFile: string; topics: string[]; adminUrl: string };
  fcm: {
    url: string;
    projectId: string;
    tokenUri: string;
    serviceAccountFile: string;
    tlsUrl: string;
    tlsTokenUri: string;
    caCertFile: string;
    adminUrl: string;
  };
  zulip: { url: string; externalHost: string; adminUrl: string; caCertFile: string; secretsFile: string; settingsFile: string; profile: 11 | 12 };
  dataDir: string;
  seed: number;
  clock: 'real' | 'virtual';
  logFiles: Record<string, string>;
  databases: Record<string, string | null>;
}

/**
 * The stacks of one process share one throwaway CA (and so one leaf key): key generation was
 * most of a stack's start-up. A test run makes one for all its workers (harness/testing/
 * global-setup.ts, file named by ZPG_RUN_CA_FILE). Stacks stay isolated by port and data dir;
 * tests that need a foreign CA make their own with createCertificateAuthority().
 */
let sharedCa: CertificateAuthority | null = null;
function processCa(): CertificateAuthority {
  const file = process.env.ZPG_RUN_CA_FILE;
  sharedCa ??= file && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CertificateAuthority) : createCertificateAuthority();
  return sharedCa;
}

export async function startEmbeddedStack(options: StackOptions = {}): Promise<Stack> {
  const ownedDir = acquireDataDir(options.dataDir, 'zpg-stack-');
  const dataDir = ownedDir.path;
  fs.mkdirSync(dataDir, { recursive: true });
  const clock =
    typeof options.clock === 'object' ? options.clock : options.clock === 'real' ? new RealClock() : new VirtualClock();
  const seed = options.seed ?? 1;
  const profile = options.profile ?? 12;
  const common = { dataDir, clock, seed, logToStderr: options.logToStderr };

  const ca = processCa();
  // The fake Zulip server first: the bouncer's transfer verification dials its EXTERNAL_HOST.
  const zulip = await startZulipServer({
    ...common,
    ca,
    realms: options.zulip?.realms,
    analyticsJob: options.zulip?.analyticsJob,
    settings: { profile, ...options.zulip?.settings, servicesUrl: null },
  });
  const apns = await startMockApns({ ...common, ca });
  const fcm = await startMockFcm({ ...common, ca });
  const serviceAccount = JSON.parse(fs.readFileSync(fcm.serviceAccountFile, 'utf8')) as ServiceAccount;
  const bouncer = await startBouncer({
    dataDir,
    clock,
    e2eeProfile: profile,
    logToStderr: options.logToStderr,
    rateLimit: options.rateLimit,
    // `https://<EXTERNAL_HOST>/api/v1/zulip-services/verify/…` reaches the fake server, trusted via the stack's CA.
    transferHosts: { hosts: { ...options.transferHosts, [zulip.externalHost]: { host: '127.0.0.1', port: zulip.port } }, caCertsPem: [ca.certPem] },
    apns: {
      url: apns.url,
      caPem: apns.caCertPem,
      teamId: apns.teamId,
      keyId: apns.keyId,
      keyPem: fs.readFileSync(apns.keyFile, 'utf8'),
    },
    // Over TLS, like the real service; the token leg too.
    fcm: { url: fcm.tlsUrl, caPem: fcm.caCertPem, serviceAccount: { ...serviceAccount, token_uri: fcm.tlsTokenUri } },
  });

  const servicesUrl = options.zulip?.settings && 'servicesUrl' in options.zulip.settings ? options.zulip.settings.servicesUrl! : bouncer.url;
  zulip.updateSettings({ servicesUrl });
  const caCertFile = path.join(dataDir, 'ca.pem');
  fs.writeFileSync(caCertFile, ca.certPem);

  const stop = async () => {
    await zulip.stop();
    await bouncer.stop();
    await Promise.all([apns.stop(), fcm.stop()]);
    ownedDir.release();
  };
  return {
    dataDir,
    clock,
    seed,
    bouncer,
    apns,
    fcm,
    zulip,
    sinks: () => [...bouncer.sinks, ...apns.sinks, ...fcm.sinks, ...zulip.sinks],
    describe: () => ({
      bouncer: { url: bouncer.url, e2eePublicKey: bouncer.e2eePublicKey, adminUrl: `${bouncer.url}/__admin`, profile },
      apns: {
        url: apns.url,
        caCertPem: apns.caCertPem,
        caCertFile: apns.caCertFile,
        teamId: apns.teamId,
        keyId: apns.keyId,
        keyFile: apns.keyFile,
        topics: apns.topics,
        adminUrl: `${apns.url}/__admin`,
      },
      fcm: {
        url: fcm.url,
        projectId: fcm.projectId,
        tokenUri: fcm.tokenUri,
        serviceAccountFile: fcm.serviceAccountFile,
        tlsUrl: fcm.tlsUrl,
        tlsTokenUri: fcm.tlsTokenUri,
        caCertFile: fcm.caCertFile,
        adminUrl: `${fcm.url}/__admin`,
      },
      zulip: {
        url: zulip.url,
        externalHost: zulip.externalHost,
        adminUrl: `${zulip.url}/__admin`,
        caCertFile,
        secretsFile: zulip.secretsFile,
        settingsFile: zulip.settingsFile,
        profile,
      },
      dataDir,
      seed,
      clock: clock.kind,
      logFiles: { bouncer: bouncer.logFile, apns: apns.logFile, fcm: fcm.logFile, zulip: zulip.logFile },
      databases: { bouncer: bouncer.databaseFile },
    }),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
