/**
 * The world a scenario reads like prose: a running stack, its Zulip server's people by name, and
 * phones in their hands.
 *
 *   const world = await startWorld({ profile: 12 });
 *   await world.registerServer();                       // register_server + metadata upload
 *   const hamlet = world.user('member', 0);
 *   const phone = await world.phone(hamlet, 'ios');     // installed, registered (legacy or E2EE)
 *   await world.send(othello, { to: [hamlet] });        // a DM with a fresh canary
 *   const seen = await phone.nextNotification();
 *
 * Every wait has a timeout whose error says what arrived instead (the provider journals explain).
 */
import { Agent } from 'undici';
import type { ReceivedNotification } from '../../simulator/devices/display';
import { AndroidPhone, IosPhone, type Phone } from '../../simulator/devices/phone';
import { HttpZulipAccountApi } from '../../simulator/devices/zulip-api';
import type { VirtualClock } from '../../simulator/core/clock';
import type { MessageTarget } from '../../simulator/zulip-server/push/messages';
import type { RegisterServerOptions, RegisterServerOutcome } from '../../simulator/zulip-server/register-server';
import { SERVER_VERSIONS } from '../../simulator/zulip-server/settings';
import { ROLE, type Message, type Realm, type User } from '../../simulator/zulip-server/types';
import type { FaultRuleData } from '../../simulator/core/provider-mock/faults';
import { privacyVerdict, type PrivacyVerdict } from '../privacy';
import { startEmbeddedStack, type Stack, type StackOptions } from '../stack/embedded';

export const IOS_APP_ID = 'org.zulip.Zulip';
type RoleName = keyof typeof ROLE_NAMES;
const ROLE_NAMES = { owner: ROLE.OWNER, administrator: ROLE.ADMINISTRATOR, moderator: ROLE.MODERATOR, member: ROLE.MEMBER, guest: ROLE.GUEST } as const;

export interface World {
  stack: Stack;
  profile: 11 | 12;
  /** The server's feature level (phones decide legacy vs E2EE by it). */
  featureLevel: number;
  realm(index?: number): Realm;
  /** The n-th human of a role in a realm (default the first realm). */
  user(role: RoleName, n?: number, realm?: Realm): User;
  humans(realm?: Realm): User[];
  registerServer(opts?: RegisterServerOptions): Promise<RegisterServerOutcome>;
  /** A phone with the app installed and logged in as `user`, registered the way the app would (or as told). */
  phone(user: User, platform: 'ios' | 'android', opts?: { protocol?: 'legacy' | 'e2ee' | 'e2ee-11'; register?: boolean }): Promise<Phone>;
  /** Sends a message with a fresh canary (or the given text) and waits until its pushes left the server. */
  send(sender: User, to: { to: User[] } | { channel: string; topic?: string }, opts?: { content?: string }): Promise<Message & { content: string }>;
  /** The user reads messages: their notifications are removed. */
  read(user: User, messages: Message[]): Promise<void>;
  /** Advances the virtual clock. */
  advance(ms: number): void;
  /** A provider fault rule (see core/provider-mock/faults.ts), e.g. `{ action: { kind: 'error', reason: 'Unregistered' } }`. */
  fault(provider: 'apns' | 'fcm', rule: FaultRuleData): void;
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

export async function startWorld(options: StackOptions & { profile?: 11 | 12; label?: string } = {}): Promise<World> {
  const label = worldLabel(options.label);
  const stack = await startEmbeddedStack({ clock: 'virtual', ...options, seed: options.seed ?? runSeed() });
  const zulip = stack.zulip;
  const profile = options.profile ?? 12;
  const featureLevel = SERVER_VERSIONS[profile].featureLevel;
  const dispatcher = new Agent({ connect: { ca: zulip.caCertPem } });
  const trustingFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, { ...init, dispatcher } as RequestInit)) as typeof fetch;

  const realm = (index = 0) => {
    const r = zulip.realms()[index];
    if (!r) throw new Error(`the world has ${zulip.realms().length} realm(s), not ${index + 1}`);
    return zulip.state.realm(r.id);
  };
  const humans = (r: Realm = realm()) => zulip.users(r.id).filter((u) => !u.isBot && u.isActive);

  const world: World = {
    stack,
    profile,
    featureLevel,
    realm,
    humans,
    user(role, n = 0, r = realm()) {
      const found = humans(r).filter((u) => u.role === ROLE_NAMES[role]);
      const u = found[n];
      if (!u) throw new Error(`${r.name} has ${found.length} ${role}(s); asked for number ${n + 1}`);
      return u;
    },
    registerServer: (opts = {}) => zulip.registerServer({ agreeToTermsOfService: true, ...opts }),
    async phone(user, platform, opts = {}) {
      const r = zulip.state.realm(user.realmId);
      const common = {
        label: `${user.fullName}'s ${platform === 'ios' ? 'iPhone' : 'Android phone'}`,
        account: { realmUrl: r.url, userId: user.id, zulipFeatureLevel: featureLevel, email: user.email },
        api: new HttpZulipAccountApi({ realmUrl: zulip.url, email: user.email, apiKey: zulip.state.apiKeyOf(user.id), fetch: trustingFetch }),
        clock: stack.clock,
        bouncerPublicKey: stack.bouncer.e2eePublicKey,
      };
      const phone =
        platform === 'ios'
          ? new IosPhone({ ...common, provider: stack.apns, appScope: IOS_APP_ID })
          : new AndroidPhone({ ...common, provider: stack.fcm, appScope: stack.fcm.projectId });
      if (opts.register ?? true) {
        await phone.register(opts.protocol ? { protocol: opts.protocol } : {});
        await zulip.idle();
      }
      return phone;
    },
    async send(sender, to, opts = {}) {
      const content = opts.content ?? zulip.world.messageText();
      const target: MessageTarget =
        'to' in to ? { type: 'direct', userIds: to.to.map((u) => u.id) } : { type: 'channel', channel: to.channel, topic: to.topic ?? 'greetings' };
      const message = await zulip.sendMessage({ senderId: sender.id, to: target, content });
      await zulip.idle();
      return { ...message, content };
    },
    async read(user, messages) {
      zulip.markAsRead(user.id, messages.map((m) => m.id));
      await zulip.idle();
    },
    advance(ms) {
      if (stack.clock.kind !== 'virtual') throw new Error('advance() needs the virtual clock');
      (stack.clock as VirtualClock).advance(ms);
    },
    fault(provider, rule) {
      stack[provider].rules.add(rule);
    },
    verdict: () => privacyVerdict(stack, { label }),
    async stop(opts = {}) {
      // Automatic, not opt-in: every world ends with the privacy verdict over every sink.
      let verdict: PrivacyVerdict | null = null;
      try {
        await zulip.idle();
        if (opts.skipVerdict === undefined) verdict = await privacyVerdict(stack, { label });
        else process.stderr.write(`privacy verdict skipped for ${label}: ${opts.skipVerdict}\n`);
      } finally {
        await stack.stop();
        await dispatcher.close();
      }
      if (verdict && verdict.findings.length > 0) {
        const lines = verdict.findings.map((f) => `  ${f.kind} in ${f.sink} at ${f.location}${f.field ? ` (${f.field})` : ''}: ${f.shown}`);
        throw new Error(`privacy verdict for ${label}: ${verdict.findings.length} leak(s)\n${lines.join('\n')}`);
      }
    },
  };
  return world;
}

/** What a person sees, for assertions: title, body (and subtitle on iOS). */
export const seen = (n: ReceivedNotification) =>
  n.kind === 'dropped'
    ? { dropped: n.reason }
    : { kind: n.kind, shown: n.shown, title: n.title, body: n.body, ...(n.subtitle !== undefined ? { subtitle: n.subtitle } : {}) };
