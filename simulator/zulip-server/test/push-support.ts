/**
 * Fixtures for the push pipeline tests: the embedded stack (bouncer + mock APNs/FCM + the fake
 * Zulip server, one VirtualClock), the server registered at the bouncer and its realms known to
 * it (metadata upload), phones whose registrations go straight into the server's tables and to
 * the bouncer (the device routes are tested elsewhere), and an HTTPS client for the server's API.
 */
import { Agent } from 'undici';
import { startEmbeddedStack, type Stack } from '../../../harness/stack/embedded';
import { sinksContaining } from '../../../harness/world/sinks';
import type { VirtualClock } from '../../core/clock';
import { AndroidPhone, IosPhone, type Phone } from '../../devices/phone';
import type { E2ee11Registration, E2eeRegistration, LegacyRegistration, ZulipAccountApi } from '../../devices/zulip-api';
import { isSkipped, type BouncerResult } from '../bouncer-client/client';
import { uploadServerData } from '../bouncer-client/analytics-upload';
import type { ZulipServerHandle, RealmSpec } from '../index';
import { SERVER_VERSIONS } from '../settings';
import type { Realm, User } from '../types';

export const IOS_APP_ID = 'org.zulip.Zulip';

export interface PushEnv {
  stack: Stack;
  zulip: ZulipServerHandle;
  clock: VirtualClock;
  profile: 11 | 12;
  realm(index?: number): Realm;
  /** Active humans of a realm (default the first), in id order. */
  humans(realm?: Realm): User[];
  /** The server's API over HTTPS as `user` (form-encoded). */
  api(user: User, method: string, path: string, form?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A phone with the app, logged in as `user`, registered (legacy / 12.x E2EE / 11.x E2EE). */
  phone(user: User, platform: 'ios' | 'android', protocol?: 'legacy' | 'e2ee' | 'e2ee-11'): Promise<Phone>;
  /** send_server_data_to_push_bouncer at BILLING level, applied to the realms. */
  uploadAnalytics(): Promise<void>;
  /** The sinks of the bouncer (log, database) holding `needle`. */
  bouncerSinksContaining(needle: string): string[];
  /** Zulip's log lines of a Python logger, as `LEVEL:msg`. */
  zulipLog(logger?: string): string[];
  stop(): Promise<void>;
}

export function sent<T>(r: BouncerResult<T>): T {
  if (isSkipped(r)) throw new Error(`skipped ${r.endpoint}: ${r.reason}`);
  return r;
}

const LEVEL_NAMES: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARNING', 50: 'ERROR' };

/**
 * A running stack with the server registered (and its realms uploaded unless `upload: false`).
 * Nothing is pushed before a test sends something.
 */
export async function startPushEnv(
  opts: { profile?: 11 | 12; realms?: RealmSpec[]; register?: boolean; upload?: boolean } = {},
): Promise<PushEnv> {
  const profile = opts.profile ?? 12;
  const stack = await startEmbeddedStack({ clock: 'virtual', profile, zulip: { realms: opts.realms, analyticsJob: false } });
  const zulip = stack.zulip;
  const ctx = zulip.context;
  const clock = stack.clock as VirtualClock;
  const dispatcher = new Agent({ connect: { ca: zulip.caCertPem } });

  const realm = (index = 0): Realm => {
    const r = zulip.realms()[index];
    if (!r) throw new Error(`no realm ${index}`);
    return zulip.state.realm(r.id);
  };
  const humans = (r: Realm = realm()) =>
    zulip
      .users(r.id)
      .filter((u) => !u.isBot && u.isActive)
      .sort((a, b) => a.id - b.id);

  const uploadAnalytics = async () => {
    const state = zulip.state;
    const v = SERVER_VERSIONS[profile];
    const result = await uploadServerData(
      ctx.bouncer,
      {
        realms: [...state.realms.values()],
        auditLogs: state.auditLogs,
        version: v.version,
        mergeBase: v.mergeBase,
        apiFeatureLevel: v.featureLevel,
        uploadLevel: 'BILLING',
      },
      { considerUsageStatistics: false },
    );
    if (result.outcome !== 'uploaded') throw new Error(`analytics upload ${result.outcome}`);
    for (const r of result.realms) {
      state.updateRealm(r.id, { pushNotificationsEnabled: r.pushNotificationsEnabled, pushNotificationsEnabledEndTimestamp: r.pushNotificationsEnabledEndTimestamp });
    }
  };

  if (opts.register ?? true) {
    sent(await ctx.bouncer.registerServer({ hostname: zulip.externalHost, contactEmail: 'admin@zulip.com' }));
    if (opts.upload ?? true) await uploadAnalytics();
  }

  return {
    stack,
    zulip,
    clock,
    profile,
    realm,
    humans,
    async api(user, method, path, form = {}) {
      const auth = 'Basic ' + Buffer.from(`${user.email}:${zulip.state.apiKeyOf(user.id)}`).toString('base64');
      const res = await fetch(`${zulip.url}${path}`, {
        method,
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ZulipFlutter/simulated' },
        body: new URLSearchParams(form).toString(),
        dispatcher,
      } as RequestInit);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async phone(user, platform, protocol) {
      const r = zulip.state.realm(user.realmId);
      const common = {
        label: `${user.fullName}'s ${platform === 'ios' ? 'iPhone' : 'Android phone'}`,
        account: { realmUrl: r.url, userId: user.id, zulipFeatureLevel: SERVER_VERSIONS[profile].featureLevel, email: user.email },
        api: new DirectAccountApi(zulip, user),
        clock,
        bouncerPublicKey: stack.bouncer.e2eePublicKey,
        timeoutMs: 3_000,
      };
      const phone =
        platform === 'ios'
          ? new IosPhone({ ...common, provider: stack.apns, appScope: IOS_APP_ID })
          : new AndroidPhone({ ...common, provider: stack.fcm, appScope: stack.fcm.projectId });
      await phone.register(protocol ? { protocol } : {});
      return phone;
    },
    uploadAnalytics,
    bouncerSinksContaining: (needle) => sinksContaining(stack.bouncer.sinks, needle),
    zulipLog: (logger = 'zerver.lib.push_notifications') =>
      zulip
        .logLines()
        .filter((l) => l.logger === logger)
        .map((l) => `${LEVEL_NAMES[l.level] ?? l.level}:${l.msg}`),
    async stop() {
      await stack.stop();
      await dispatcher.close();
    },
  };
}

/**
 * The server side of a phone's registration, in process: rows in the server's tables as the
 * device routes would write them, and the bouncer registration those routes trigger.
 */
export class DirectAccountApi implements ZulipAccountApi {
  constructor(
    private readonly zulip: ZulipServerHandle,
    private readonly user: User,
  ) {}

  private get realmUuid(): string {
    return this.zulip.state.realm(this.user.realmId).uuid;
  }

  async registerLegacy(r: LegacyRegistration): Promise<void> {
    const state = this.zulip.state;
    const iosAppId = r.tokenKind === 'apns' ? r.appId : null;
    state.legacyDevices.push({ id: state.nextId('legacyDevice'), userId: this.user.id, kind: r.tokenKind, token: r.token, iosAppId });
    sent(
      await this.zulip.context.bouncer.registerPushDevice({
        userId: this.user.id,
        userUuid: this.user.uuid,
        realmUuid: this.realmUuid,
        token: r.token,
        tokenKind: r.tokenKind,
        iosAppId,
      }),
    );
  }

  async unregisterLegacy(r: { tokenKind: 'apns' | 'fcm'; token: string }): Promise<void> {
    const rows = this.zulip.state.legacyDevices;
    const i = rows.findIndex((d) => d.userId === this.user.id && d.kind === r.tokenKind && d.token === r.token);
    if (i >= 0) rows.splice(i, 1);
    sent(
      await this.zulip.context.bouncer.unregisterPushDevice({
        userId: this.user.id,
        userUuid: this.user.uuid,
        realmUuid: this.realmUuid,
        token: r.token,
        tokenKind: r.tokenKind,
      }),
    );
  }

  async registerClientDevice(): Promise<{ deviceId: number }> {
    return { deviceId: this.zulip.state.addClientDevice(this.user.id).id };
  }

  async removeClientDevice(deviceId: number): Promise<void> {
    this.zulip.state.clientDevices.delete(deviceId);
  }

  async registerE2ee(r: E2eeRegistration): Promise<void> {
    const state = this.zulip.state;
    const device = state.clientDevices.get(r.deviceId);
    if (!device || device.userId !== this.user.id) throw new Error('Invalid `device_id`');
    let updated = { ...device };
    if (r.key) updated = { ...updated, pushKeyId: r.key.pushKeyId, pushKey: new Uint8Array(Buffer.from(r.key.pushKey, 'base64')) };
    if (r.token) {
      sent(
        await this.zulip.context.bouncer.registerE2eeDevice({
          realmUuid: this.realmUuid,
          tokenId: r.token.tokenId,
          encryptedPushRegistration: r.token.encryptedPushRegistration,
          bouncerPublicKey: r.token.bouncerPublicKey,
        }),
      );
      updated = {
        ...updated,
        pushTokenKind: r.token.tokenKind,
        pushTokenId: r.token.tokenId,
        pendingPushTokenId: null,
        pushTokenLastUpdatedTimestamp: Math.floor(this.zulip.clock.now() / 1000),
      };
    }
    state.clientDevices.set(r.deviceId, updated);
  }

  async registerE2ee11(r: E2ee11Registration): Promise<void> {
    const state = this.zulip.state;
    const res = sent(
      await this.zulip.context.bouncer.registerE2eeDevice({
        realmUuid: this.realmUuid,
        pushAccountId: r.pushAccountId,
        encryptedPushRegistration: r.encryptedPushRegistration,
        bouncerPublicKey: r.bouncerPublicKey,
      }),
    );
    if (typeof res.device_id !== 'number') throw new Error('the 11.x bouncer answered no device_id');
    state.pushDevices11.push({
      id: state.nextId('pushDevice'),
      userId: this.user.id,
      pushAccountId: r.pushAccountId,
      tokenKind: r.tokenKind,
      pushKey: new Uint8Array(Buffer.from(r.pushKey, 'base64')),
      bouncerDeviceId: res.device_id,
      errorCode: null,
    });
  }
}

/** What a phone shows, for assertions. */
export function shown(n: { kind: string; title?: string; subtitle?: string; body?: string; reason?: string }) {
  if (n.kind === 'dropped') return { dropped: n.reason };
  return { kind: n.kind, title: n.title, body: n.body, ...(n.subtitle !== undefined ? { subtitle: n.subtitle } : {}) };
}
