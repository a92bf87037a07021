/**
 * The world a scenario reads like prose: a running stack, its Zulip server's people by name, and
 * phones in their hands.
 *
 *   const world = await startWorld({ profile: 12 });
 *   await world.registerServer();                       // register_server + metadata upload
 *   const { hamlet, othello } = world.people;
 *   const phone = await world.phone(hamlet, 'ios');     // installed, registered (legacy or E2EE)
 *   await world.send(othello, { to: [hamlet] });        // a DM with a fresh canary
 *   const seen = await phone.nextNotification();
 *   await world.expectNoPush(otherPhone);               // nothing else arrived
 *
 * Time is virtual: `world.advance(2 * DAY)` crosses the analytics staleness in no time, and
 * `world.hourPasses()` runs the server's hourly analytics job. `world.bouncer` is the push
 * notification service as an operator sees it (its database, log and admin surface) and as a
 * client talks to it (raw HTTP, or authenticated as this world's server). `world.restart()`
 * stops every component and starts them again on the same data dir.
 *
 * Every wait has a timeout whose error says what arrived instead (the provider journals explain).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Agent } from 'undici';
import type { ReceivedNotification } from '../../simulator/devices/display';
import { AndroidPhone, IosPhone, type Phone, type ProviderJournal, type ProviderSide } from '../../simulator/devices/phone';
import { HttpZulipAccountApi } from '../../simulator/devices/zulip-api';
import type { VirtualClock } from '../../simulator/core/clock';
import type { LogLine } from '../../simulator/core/logging';
import type { JournalEntry } from '../../simulator/core/provider-mock/journal';
import { ANALYTICS_INTERVAL_MS } from '../../simulator/zulip-server/analytics';
import type { UploadServerDataResult } from '../../simulator/zulip-server/bouncer-client/analytics-upload';
import type { MessageTarget } from '../../simulator/zulip-server/push/messages';
import type { RegisterServerOptions, RegisterServerOutcome } from '../../simulator/zulip-server/register-server';
import { randomKey, uuidV4 } from '../../simulator/zulip-server/secrets-file';
import { SERVER_VERSIONS, type ZulipServerSettings } from '../../simulator/zulip-server/settings';
import { ROLE, type Message, type Realm, type User } from '../../simulator/zulip-server/types';
import type { FaultRuleData } from '../../simulator/core/provider-mock/faults';
import { basicAuth, call, type CallOptions, type CallResult, type Credentials } from '../http-client';
import { privacyVerdict, type PrivacyVerdict } from '../privacy';
import { startEmbeddedStack, type Stack, type StackOptions } from '../stack/embedded';

export const IOS_APP_ID = 'org.zulip.Zulip';
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** RemoteZulipServer / RemoteRealm plan_type values (bouncer-protocol.md §11). */
export const PLAN_TYPE = { SELF_MANAGED: 100, COMMUNITY: 102 } as const;

type RoleName = keyof typeof ROLE_NAMES;
const ROLE_NAMES = { owner: ROLE.OWNER, administrator: ROLE.ADMINISTRATOR, moderator: ROLE.MODERATOR, member: ROLE.MEMBER, guest: ROLE.GUEST } as const;

/** Zulip's own test cast, cast onto the first realm's humans by role (their names are the seed's). */
export interface People {
  /** The owner. */
  desdemona: User;
  /** The administrator. */
  iago: User;
  /** The moderator. */
  shiva: User;
  /** The first, second and third members. */
  hamlet: User;
  othello: User;
  cordelia: User;
  /** The guest. */
  polonius: User;
}
const CAST: Record<keyof People, [RoleName, number]> = {
  desdemona: ['owner', 0],
  iago: ['administrator', 0],
  shiva: ['moderator', 0],
  hamlet: ['member', 0],
  othello: ['member', 1],
  cordelia: ['member', 2],
  polonius: ['guest', 0],
};

/** The bouncer's rows this world's server owns, as the scenarios read them. */
export interface RemoteServerRow {
  id: number;
  uuid: string;
  hostname: string;
  contact_email: string;
  deactivated: number;
  plan_type: number;
  last_api_feature_level: number | null;
  last_audit_log_update: number | null;
}

/** The push notification service, from the outside: HTTP, its database, its log, its admin surface. */
export interface BouncerView {
  readonly url: string;
  /** One raw request (harness/http-client): never retried, every status visible. */
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  /** One request with HTTP Basic auth as this world's server (its secrets file as of now). */
  callAsServer(method: string, path: string, opts?: Omit<CallOptions, 'auth'>): Promise<CallResult>;
  /** Read-only SQL on the bouncer's database. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** This world's server as the bouncer stores it (by the uuid in the secrets file), if registered. */
  server(): RemoteServerRow | undefined;
  /** The legacy device tokens the bouncer holds for this server. */
  legacyTokens(): { user_uuid: string | null; user_id: number | null; kind: number; token: string }[];
  /** The E2EE devices the bouncer holds for this server's realms (expired ones included). */
  e2eeDevices(): { device_id: number; token: string; token_kind: string; expired_time: number | null }[];
  /** One request to the admin surface (`/__admin/...`, not Zulip's protocol): its JSON answer, or an error. */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Sets plan_type through the admin surface, for the server or one realm (e.g. PLAN_TYPE.COMMUNITY). */
  setPlanType(target: 'server' | Realm, planType: number): Promise<void>;
  logLines(): LogLine[];
}

export interface World {
  /** The running stack (a new one after `restart()`). */
  readonly stack: Stack;
  profile: 11 | 12;
  /** The server's feature level (phones decide legacy vs E2EE by it). */
  featureLevel: number;
  realm(index?: number): Realm;
  /** The n-th human of a role in a realm (default the first realm). */
  user(role: RoleName, n?: number, realm?: Realm): User;
  humans(realm?: Realm): User[];
  /** The first realm's humans under Zulip's test-cast names (hamlet and othello are members, iago the admin…). */
  readonly people: People;
  /** `manage.py register_server` (with --agree-to-terms-of-service unless told otherwise). */
  registerServer(opts?: RegisterServerOptions): Promise<RegisterServerOutcome>;
  /** zulip_org_id and zulip_org_key as the server's zulip-secrets.conf has them now. */
  credentials(): Credentials;
  /** The server was reinstalled without its old credentials: generate_secrets.py wrote fresh ones. */
  loseCredentials(): Credentials;
  /** Edits /etc/zulip/settings.py (applied at once), e.g. `{ submitUsageStatistics: false }`. */
  configure(change: Partial<ZulipServerSettings>): void;
  /** Pausing the service: the bouncer URL line is commented out. */
  pause(): void;
  /** …and uncommented again. */
  resume(): void;
  /** A phone with the app installed and logged in as `user`, registered the way the app would (or as told). */
  phone(user: User, platform: 'ios' | 'android', opts?: { protocol?: 'legacy' | 'e2ee' | 'e2ee-11'; register?: boolean }): Promise<Phone>;
  /**
   * One request to the Zulip server's REST API (`/api/v1/...`), as `as` (HTTP Basic with the
   * user's API key) or anonymously; never retried, every status visible.
   */
  zulipApi(method: string, path: string, opts?: Omit<CallOptions, 'auth'> & { as?: User; authorization?: string }): Promise<CallResult>;
  /** Sends a message with a fresh canary (or the given text) and waits until its pushes left the server. */
  send(sender: User, to: { to: User[] } | { channel: string; topic?: string }, opts?: { content?: string }): Promise<Message & { content: string }>;
  /** The user reads messages: their notifications are removed. */
  read(user: User, messages: Message[]): Promise<void>;
  /** Fails unless, once the server has nothing left to send, none of these phones got anything. */
  expectNoPush(...phones: Phone[]): Promise<void>;
  /** Advances the virtual clock, then lets the server finish what that woke up. */
  advance(ms: number): Promise<void>;
  /** An hour passes and the server's hourly analytics job runs: what it uploaded (null if it sent nothing). */
  hourPasses(): Promise<UploadServerDataResult | Error | null>;
  /** A provider fault rule (see core/provider-mock/faults.ts), e.g. `{ action: { kind: 'error', reason: 'Unregistered' } }`. */
  fault(provider: 'apns' | 'fcm', rule: FaultRuleData): void;
  bouncer: BouncerView;
  /**
   * Stops every component (after the privacy verdict of what they did) and starts them again on
   * the same data dir: the bouncer reopens its database, the fake server regenerates the same
   * organisations from the seed and keeps its secrets file. Apple and Google are not restarted
   * with a Zulip installation: the phones, their tokens and what they received carry over.
   * The fake server keeps its device tables in memory: phones register again (as the apps do at
   * launch) before it pushes to them. Needs `startWorld({ dataDir })`.
   */
  restart(): Promise<void>;
  /** The privacy verdict of everything so far (also run by stop(), which fails on any finding). */
  verdict(): Promise<PrivacyVerdict>;
  /** Runs the privacy verdict, stops every component, and throws if anything leaked. */
  stop(opts?: { skipVerdict?: string }): Promise<void>;
}

/** Names the verdict after the Jest test file (and `label`), for the privacy audit. */
function worldLabel(label?: string): string {
  const state = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect?.getState?.();
  const file = state?.testPath ? state.testPath.replace(/^.*?\/scenarios\//, 'scenarios/') : 'world';
  return label ? `${file} (${label})` : file;
}

/** The run's seed: `npm start -- --seed N` (ZPG_SEED) replays a run; default 1. */
export const runSeed = (): number => {
  const n = Number(process.env.ZPG_SEED ?? 1);
  return Number.isSafeInteger(n) ? n : 1;
};

const throwOnFindings = (label: string, verdict: PrivacyVerdict | null) => {
  if (verdict && verdict.findings.length > 0) {
    const lines = verdict.findings.map((f) => `  ${f.kind} in ${f.sink} at ${f.location}${f.field ? ` (${f.field})` : ''}: ${f.shown}`);
    throw new Error(`privacy verdict for ${label}: ${verdict.findings.length} leak(s)\n${lines.join('\n')}`);
  }
};

/** A trusting HTTPS dispatcher for the fake server (its certificate comes from the stack's CA). */
const agentFor = (stack: Stack) => new Agent({ connect: { ca: stack.zulip.caCertPem } });

export async function startWorld(options: StackOptions & { profile?: 11 | 12; label?: string } = {}): Promise<World> {
  const label = worldLabel(options.label);
  const stackOptions: StackOptions = { clock: 'virtual', ...options, seed: options.seed ?? runSeed() };
  let stack = await startEmbeddedStack(stackOptions);
  // One clock for the world's whole life, restarts included.
  stackOptions.clock = stack.clock;
  const profile = options.profile ?? 12;
  const featureLevel = SERVER_VERSIONS[profile].featureLevel;
  let dispatcher = agentFor(stack);
  // Phones keep the URL they were set up with; after a restart it leads to the new server.
  const firstZulipUrl = stack.zulip.url;
  const trustingFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' && input.startsWith(firstZulipUrl) ? stack.zulip.url + input.slice(firstZulipUrl.length) : input;
    return fetch(url, { ...init, dispatcher } as RequestInit);
  }) as typeof fetch;

  const zulip = () => stack.zulip;
  const realm = (index = 0) => {
    const r = zulip().realms()[index];
    if (!r) throw new Error(`the world has ${zulip().realms().length} realm(s), not ${index + 1}`);
    return zulip().state.realm(r.id);
  };
  const humans = (r: Realm = realm()) => zulip().users(r.id).filter((u) => !u.isBot && u.isActive);
  const user = (role: RoleName, n = 0, r: Realm = realm()) => {
    const found = humans(r).filter((u) => u.role === ROLE_NAMES[role]);
    const u = found[n];
    if (!u) throw new Error(`${r.name} has ${found.length} ${role}(s); asked for number ${n + 1}`);
    return u;
  };
  const credentials = (): Credentials => {
    const c = zulip().context.secrets.credentials();
    if (!c) throw new Error('the server has no zulip_org_id / zulip_org_key in its secrets file');
    return { uuid: c.zulipOrgId, key: c.zulipOrgKey };
  };

  // Apple's and Google's side as phones see it: always the current mocks, journal seqs continued
  // across restarts (a restarted mock counts from 1 again; a phone's cursor must not skip those).
  const seqOffset = { apns: 0, fcm: 0 };
  const providerSide = (kind: 'apns' | 'fcm'): ProviderSide => {
    const journal: ProviderJournal = {
      provider: kind,
      get stats() {
        return { lastSeq: seqOffset[kind] + stack[kind].journal.stats.lastSeq };
      },
      async next(device, opts = {}): Promise<JournalEntry> {
        const offset = seqOffset[kind];
        const afterSeq = opts.afterSeq === undefined ? undefined : Math.max(0, opts.afterSeq - offset);
        const entry = await stack[kind].journal.next(device, { ...opts, afterSeq });
        return { ...entry, seq: entry.seq + offset };
      },
    };
    return {
      createDevice: (scope, opts) => stack[kind].createDevice(scope, opts),
      unregisterDevice: (token) => stack[kind].unregisterDevice(token),
      journal,
    };
  };
  const providers = { apns: providerSide('apns'), fcm: providerSide('fcm') };

  const bouncer: BouncerView = {
    get url() {
      return stack.bouncer.url;
    },
    call: (method, path, opts) => call(stack.bouncer, method, path, opts),
    callAsServer: (method, path, opts = {}) => call(stack.bouncer, method, path, { ...opts, auth: credentials() }),
    query: (sql, ...params) => stack.bouncer.query(sql, ...params),
    server() {
      const { uuid } = credentials();
      return stack.bouncer.query<RemoteServerRow>(
        'SELECT id, uuid, hostname, contact_email, deactivated, plan_type, last_api_feature_level, last_audit_log_update FROM remote_zulip_server WHERE uuid = ?',
        uuid,
      )[0];
    },
    legacyTokens() {
      const server = bouncer.server();
      if (!server) return [];
      return stack.bouncer.query('SELECT user_uuid, user_id, kind, token FROM remote_push_device_token WHERE server_id = ? ORDER BY id', server.id);
    },
    e2eeDevices() {
      const server = bouncer.server();
      if (!server) return [];
      return stack.bouncer.query(
        `SELECT d.device_id, d.token, d.token_kind, d.expired_time FROM remote_push_device d
           JOIN remote_realm r ON r.id = d.remote_realm_id WHERE r.server_id = ? ORDER BY d.device_id`,
        server.id,
      );
    },
    async admin(method, path, body) {
      const res = await fetch(`${stack.bouncer.url}/__admin/${path.replace(/^\/?(__admin\/)?/, '')}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${method} /__admin/${path} answered ${res.status}: ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    },
    async setPlanType(target, planType) {
      const path = target === 'server' ? `servers/${credentials().uuid}/plan-type` : `realms/${target.uuid}/plan-type`;
      await bouncer.admin('POST', path, { plan_type: planType });
    },
    logLines: () => stack.bouncer.logLines(),
  };

  const advanceClock = (ms: number) => {
    if (stack.clock.kind !== 'virtual') throw new Error('advance() needs the virtual clock');
    (stack.clock as VirtualClock).advance(ms);
  };

  const world: World = {
    get stack() {
      return stack;
    },
    profile,
    featureLevel,
    realm,
    humans,
    user,
    get people(): People {
      const cast = {} as People;
      for (const [name, [role, n]] of Object.entries(CAST) as [keyof People, [RoleName, number]][]) {
        Object.defineProperty(cast, name, { enumerable: true, get: () => user(role, n) });
      }
      return cast;
    },
    registerServer: (opts = {}) => zulip().registerServer({ agreeToTermsOfService: true, ...opts }),
    credentials,
    loseCredentials() {
      const fresh = { zulip_org_id: uuidV4(), zulip_org_key: randomKey() };
      zulip().context.addSecret(fresh.zulip_org_key);
      zulip().context.secrets.write(fresh);
      return { uuid: fresh.zulip_org_id, key: fresh.zulip_org_key };
    },
    configure(change) {
      zulip().updateSettings(change);
    },
    pause() {
      zulip().updateSettings({ servicesUrl: null });
    },
    resume() {
      zulip().updateSettings({ servicesUrl: stack.bouncer.url });
    },
    async phone(u, platform, opts = {}) {
      const r = zulip().state.realm(u.realmId);
      const common = {
        label: `${u.fullName}'s ${platform === 'ios' ? 'iPhone' : 'Android phone'}`,
        account: { realmUrl: r.url, userId: u.id, zulipFeatureLevel: featureLevel, email: u.email },
        api: new HttpZulipAccountApi({ realmUrl: firstZulipUrl, email: u.email, apiKey: zulip().state.apiKeyOf(u.id), fetch: trustingFetch }),
        clock: stack.clock,
        bouncerPublicKey: stack.bouncer.e2eePublicKey,
      };
      const phone =
        platform === 'ios'
          ? new IosPhone({ ...common, provider: providers.apns, appScope: IOS_APP_ID })
          : new AndroidPhone({ ...common, provider: providers.fcm, appScope: stack.fcm.projectId });
      if (opts.register ?? true) {
        await phone.register(opts.protocol ? { protocol: opts.protocol } : {});
        await zulip().idle();
      }
      return phone;
    },
    async zulipApi(method, path, opts = {}) {
      const { as, authorization, ...rest } = opts;
      const auth = as ? basicAuth(as.email, zulip().state.apiKeyOf(as.id)) : authorization;
      const headers = { 'user-agent': 'ZulipFlutter/simulated', ...rest.headers };
      return call({ url: firstZulipUrl }, method, path, { ...rest, headers, ...(auth ? { auth } : {}), fetch: trustingFetch });
    },
    async send(sender, to, opts = {}) {
      const content = opts.content ?? zulip().world.messageText();
      const target: MessageTarget =
        'to' in to ? { type: 'direct', userIds: to.to.map((u) => u.id) } : { type: 'channel', channel: to.channel, topic: to.topic ?? 'greetings' };
      const message = await zulip().sendMessage({ senderId: sender.id, to: target, content });
      await zulip().idle();
      return { ...message, content };
    },
    async read(u, messages) {
      zulip().markAsRead(u.id, messages.map((m) => m.id));
      await zulip().idle();
    },
    async expectNoPush(...phones) {
      await zulip().idle();
      const arrived: string[] = [];
      for (const phone of phones) {
        const n = await phone.pollNotification({ timeoutMs: 50 });
        if (n) arrived.push(`${phone.label} received a ${n.kind === 'dropped' ? `dropped push (${n.reason})` : `${n.kind} push titled "${n.title}"`}`);
      }
      if (arrived.length > 0) throw new Error(`expected no push, but ${arrived.join('; ')}`);
    },
    async advance(ms) {
      advanceClock(ms);
      await zulip().idle();
    },
    async hourPasses() {
      const job = zulip().analyticsJob;
      if (!job) throw new Error('the hourly analytics job is off in this world');
      const run = job.nextRun();
      advanceClock(ANALYTICS_INTERVAL_MS);
      const result = await run;
      await zulip().idle();
      return result;
    },
    fault(provider, rule) {
      stack[provider].rules.add(rule);
    },
    bouncer,
    async restart() {
      if (options.dataDir === undefined) throw new Error('restart() needs startWorld({ dataDir }): a temp data dir is removed when the stack stops');
      await zulip().idle();
      // What the first life did is judged before its in-memory sinks (the provider journals) go.
      const before = await privacyVerdict(stack, { label: `${label} (before restart)` });
      const devices = { apns: stack.apns.devices.list(), fcm: stack.fcm.devices.list() };
      const lastSeq = { apns: stack.apns.journal.stats.lastSeq, fcm: stack.fcm.journal.stats.lastSeq };
      await stack.stop();
      await dispatcher.close();
      throwOnFindings(`${label} (before restart)`, before);

      stack = await startEmbeddedStack(stackOptions);
      dispatcher = agentFor(stack);
      for (const kind of ['apns', 'fcm'] as const) {
        seqOffset[kind] += lastSeq[kind];
        for (const d of devices[kind]) {
          stack[kind].createDevice(d.scope, { token: d.token, label: d.label });
          if (d.state === 'unregistered') stack[kind].unregisterDevice(d.token);
        }
      }
    },
    verdict: () => privacyVerdict(stack, { label }),
    async stop(opts = {}) {
      // Automatic, not opt-in: every world ends with the privacy verdict over every sink.
      let verdict: PrivacyVerdict | null = null;
      try {
        await zulip().idle();
        if (opts.skipVerdict === undefined) verdict = await privacyVerdict(stack, { label });
        else process.stderr.write(`privacy verdict skipped for ${label}: ${opts.skipVerdict}\n`);
      } finally {
        await stack.stop();
        await dispatcher.close();
      }
      throwOnFindings(label, verdict);
    },
  };
  return world;
}

/** What a person sees, for assertions: title, body (and subtitle on iOS). */
export const seen = (n: ReceivedNotification) =>
  n.kind === 'dropped'
    ? { dropped: n.reason }
    : { kind: n.kind, shown: n.shown, title: n.title, body: n.body, ...(n.subtitle !== undefined ? { subtitle: n.subtitle } : {}) };

/** A fresh, valid-looking server identity (a UUIDv4 and a 64-character key), e.g. for a second installation. */
export const newServerIdentity = (): Credentials => ({ uuid: crypto.randomUUID(), key: randomKey() });

/** Reads a file the stack wrote (e.g. the secrets file), for scenarios that check one. */
export const readText = (file: string): string => fs.readFileSync(file, 'utf8');
