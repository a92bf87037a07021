/**
 * A simulated phone with the Zulip app installed and one account logged in.
 *
 *   const phone = new IosPhone({ label: "Hamlet's iPhone", provider: apns, appScope: 'org.zulip.Zulip',
 *                                account, api, clock, bouncerPublicKey });
 *   await phone.register();                         // legacy below FL 468, E2EE (12.x) from it
 *   const n = await phone.nextNotification();       // { kind, title, subtitle?, body, ... }
 *
 * 1. Installing the app asks the provider for a token (`provider.createDevice(appScope)`), so the
 *    mock knows the device. 2. `register()` tells the account's Zulip server about it
 *    (server-and-app.md §A.1–§A.2, §D). 3. Each accepted push for the token in the provider's
 *    journal becomes what a person would see (display.ts); a remove clears the lock screen.
 *
 * The phone never logs; what it received stays in memory (`notifications`, `lockScreen()`).
 */
import { RealClock, type Clock } from '../core/clock';
import type { JournalEntry } from '../core/provider-mock/journal';
import { E2EE_FEATURE_LEVEL, interpret, type Display, type Platform, type ReceivedNotification, type ZulipAccount } from './display';
import { encodePushKey, PushKeyStore, secureRandomBytes, sodiumReady, type PushKey, type RandomBytes } from './push-keys';
import { computeTokenId, sealPushRegistration, ZULIP_APP_BOUNCER_PUBLIC_KEY, type TokenKind } from './registration';
import type { E2eeRegistration, ZulipAccountApi } from './zulip-api';

/** The part of a provider's journal a phone reads (core/provider-mock/journal.ts `Journal`). */
export interface ProviderJournal {
  readonly provider: 'apns' | 'fcm';
  readonly stats: { lastSeq: number };
  next(device: string, opts?: { afterSeq?: number; timeoutMs?: number }): Promise<JournalEntry>;
}

/** The provider as a phone sees it: `startMockApns()` / `startMockFcm()` handles fit. */
export interface ProviderSide {
  /** The OS obtains a token for the app: an APNs topic (bundle id) or an FCM project. */
  createDevice(scope: string, opts?: { label?: string }): { token: string };
  /** The app is uninstalled: the provider refuses the token from now on. */
  unregisterDevice?(token: string): unknown;
  journal: ProviderJournal;
}

export interface PhoneOptions {
  platform: Platform;
  /** For humans, e.g. "Hamlet's iPhone"; also the provider device's label. */
  label: string;
  provider: ProviderSide;
  /** iOS: the app's bundle id (APNs topic, sent as `appid`/`ios_app_id`); Android: the FCM project. */
  appScope: string;
  account: ZulipAccount;
  api: ZulipAccountApi;
  /** The stack's clock: registration timestamps and key ages. Default: real time. */
  clock?: Clock;
  /** The bouncer key the app was built with (base64). Default: the released app's key. */
  bouncerPublicKey?: string;
  /** Randomness for push keys and ids; default crypto-secure. */
  random?: RandomBytes;
  /** Default wait for `nextNotification`, in real ms. Default 5000. */
  timeoutMs?: number;
}

export type RegistrationProtocol = 'legacy' | 'e2ee' | 'e2ee-11';

/** What one `register*()` call sent to the server. */
export interface RegistrationReport {
  protocol: RegistrationProtocol;
  /** 12.x: from register_client_device. */
  deviceId?: number;
  /** Key group sent (12.x) / push_account_id (11.x). */
  pushKeyId?: number;
  /** Token group sent (E2EE) — or the legacy token. */
  tokenId?: string;
  sentKey: boolean;
  sentToken: boolean;
}

/** What is on the lock screen / in the notification shade. */
export interface LockScreenItem extends Display {
  seq: number;
  kind: ReceivedNotification['kind'];
  messageIds: number[];
}

/** `_tokenRepeatInterval`: the app re-sends its token group after 30 days. */
export const TOKEN_REPEAT_MS = 30 * 24 * 60 * 60 * 1000;
/** `remove_client_device` exists from this feature level. */
export const REMOVE_CLIENT_DEVICE_FEATURE_LEVEL = 470;

interface E2eeState {
  deviceId: number | null;
  /** What the server has (as far as this phone knows). */
  pushKeyId: number | null;
  tokenId: string | null;
  tokenSentAt: number | null;
}

export class Phone {
  readonly platform: Platform;
  readonly label: string;
  readonly appScope: string;
  readonly tokenKind: TokenKind;
  readonly account: ZulipAccount;
  readonly keys: PushKeyStore;
  readonly clock: Clock;
  readonly bouncerPublicKey: string;
  /** Everything received, oldest first (dropped ones included). */
  readonly notifications: ReceivedNotification[] = [];

  private currentToken: string;
  private cursor: number;
  private screen: LockScreenItem[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private legacyToken: string | null = null;
  private e2ee: E2eeState = { deviceId: null, pushKeyId: null, tokenId: null, tokenSentAt: null };
  private readonly provider: ProviderSide;
  private readonly api: ZulipAccountApi;
  private readonly timeoutMs: number;

  constructor(opts: PhoneOptions) {
    const expected = opts.platform === 'ios' ? 'apns' : 'fcm';
    if (opts.provider.journal.provider !== expected) throw new Error(`an ${opts.platform} phone receives through ${expected}, not ${opts.provider.journal.provider}`);
    this.platform = opts.platform;
    this.label = opts.label;
    this.appScope = opts.appScope;
    this.tokenKind = expected;
    this.account = opts.account;
    this.provider = opts.provider;
    this.api = opts.api;
    this.clock = opts.clock ?? new RealClock();
    this.bouncerPublicKey = opts.bouncerPublicKey ?? ZULIP_APP_BOUNCER_PUBLIC_KEY;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.keys = new PushKeyStore(this.clock, opts.random ?? secureRandomBytes);
    // Only pushes sent after the install count (a reused token must not replay old ones).
    this.cursor = opts.provider.journal.stats.lastSeq;
    this.currentToken = opts.provider.createDevice(opts.appScope, { label: opts.label }).token;
  }

  /** The APNs device token (hex) / FCM registration token. */
  get token(): string {
    return this.currentToken;
  }

  get tokenId(): string {
    return computeTokenId(this.currentToken);
  }

  /** §A.1: the app registers for E2EE from FL 468. */
  get e2eeAvailable(): boolean {
    return this.account.zulipFeatureLevel >= E2EE_FEATURE_LEVEL;
  }

  /** 12.x device_id, once register_client_device has answered. */
  get deviceId(): number | null {
    return this.e2ee.deviceId;
  }

  // -------------------------------------------------------------------------------------------
  // Registration

  /** Registers the way the app would for this server (or with the protocol given). */
  register(opts: { protocol?: RegistrationProtocol } = {}): Promise<RegistrationReport> {
    const protocol = opts.protocol ?? (this.e2eeAvailable ? 'e2ee' : 'legacy');
    if (protocol === 'legacy') return this.registerLegacy();
    if (protocol === 'e2ee-11') return this.registerE2ee11();
    return this.registerE2ee();
  }

  /** `POST users/me/apns_device_token` (token, appid) or `users/me/android_gcm_reg_id` (token). */
  async registerLegacy(): Promise<RegistrationReport> {
    const token = this.currentToken;
    await this.api.registerLegacy(this.tokenKind === 'apns' ? { tokenKind: 'apns', token, appId: this.appScope } : { tokenKind: 'fcm', token });
    this.legacyToken = token;
    return { protocol: 'legacy', sentKey: false, sentToken: true };
  }

  /** `DELETE` on the same route, for the token last registered (default: the current one). */
  async unregisterLegacy(token: string = this.legacyToken ?? this.currentToken): Promise<void> {
    await this.api.unregisterLegacy({ tokenKind: this.tokenKind, token });
    if (token === this.legacyToken) this.legacyToken = null;
  }

  /**
   * 12.x (§A.2, §D.3): `register_client_device` once, then `mobile_push/register` with the key
   * group when the server lacks the latest key, and the token group when it lacks this token
   * (or last got it 30+ days ago). `force` sends a group anyway. Sends nothing if all is known.
   */
  async registerE2ee(opts: { forceKey?: boolean; forceToken?: boolean } = {}): Promise<RegistrationReport> {
    await sodiumReady();
    if (this.e2ee.deviceId === null) this.e2ee.deviceId = (await this.api.registerClientDevice()).deviceId;
    const key = this.keys.latest ?? this.keys.generate();
    const tokenId = this.tokenId;
    const now = this.clock.now();
    const sendKey = opts.forceKey === true || this.e2ee.pushKeyId !== key.id;
    const sendToken =
      opts.forceToken === true || this.e2ee.tokenId !== tokenId || this.e2ee.tokenSentAt === null || now - this.e2ee.tokenSentAt >= TOKEN_REPEAT_MS;
    const report: RegistrationReport = { protocol: 'e2ee', deviceId: this.e2ee.deviceId, sentKey: sendKey, sentToken: sendToken };
    if (!sendKey && !sendToken) return report;

    const request: E2eeRegistration = { deviceId: this.e2ee.deviceId };
    if (sendKey) request.key = { pushKeyId: key.id, pushKey: encodePushKey(key.material) };
    if (sendToken) request.token = { tokenKind: this.tokenKind, tokenId, bouncerPublicKey: this.bouncerPublicKey, encryptedPushRegistration: this.sealRegistration() };
    await this.api.registerE2ee(request);

    if (sendKey) {
      this.e2ee.pushKeyId = key.id;
      this.keys.acknowledge(key.id);
      report.pushKeyId = key.id;
    }
    if (sendToken) {
      Object.assign(this.e2ee, { tokenId, tokenSentAt: now });
      report.tokenId = tokenId;
    }
    return report;
  }

  /** 11.x (§D.2): one call with token, push_account_id (= the latest key's id) and push_key. */
  async registerE2ee11(): Promise<RegistrationReport> {
    if (!this.api.registerE2ee11) throw new Error('this ZulipAccountApi has no 11.x registration');
    await sodiumReady();
    const key = this.keys.latest ?? this.keys.generate();
    await this.api.registerE2ee11({
      tokenKind: this.tokenKind,
      pushAccountId: key.id,
      pushKey: encodePushKey(key.material),
      bouncerPublicKey: this.bouncerPublicKey,
      encryptedPushRegistration: this.sealRegistration(),
    });
    return { protocol: 'e2ee-11', pushKeyId: key.id, tokenId: this.tokenId, sentKey: true, sentToken: true };
  }

  /**
   * A new push key and push_key_id; older keys stay for notifications already in flight. With
   * `register` (default) the key group alone goes to the server at once.
   */
  async rotatePushKey(opts: { register?: boolean } = {}): Promise<PushKey> {
    const key = this.keys.generate();
    if (opts.register ?? true) await this.registerE2ee();
    return key;
  }

  /** The provider replaces the token (FCM onTokenRefresh; an APNs reinstall); the old one may keep working. */
  refreshToken(opts: { unregisterOld?: boolean } = {}): string {
    const old = this.currentToken;
    this.currentToken = this.provider.createDevice(this.appScope, { label: this.label }).token;
    if (opts.unregisterOld) this.unregisterAtProvider(old);
    return this.currentToken;
  }

  /** The app is deleted: the provider answers Unregistered for the token from now on. */
  uninstall(): void {
    this.unregisterAtProvider(this.currentToken);
  }

  /**
   * Logging out: the legacy token is removed, the client device too (FL 470+), and every push
   * key is forgotten — later E2EE pushes for this account are dropped as unknown keys.
   */
  async logOut(): Promise<void> {
    if (this.legacyToken !== null) await this.unregisterLegacy(this.legacyToken);
    const deviceId = this.e2ee.deviceId;
    if (deviceId !== null && this.api.removeClientDevice && this.account.zulipFeatureLevel >= REMOVE_CLIENT_DEVICE_FEATURE_LEVEL) {
      await this.api.removeClientDevice(deviceId);
    }
    this.e2ee = { deviceId: null, pushKeyId: null, tokenId: null, tokenSentAt: null };
    this.keys.forgetAll();
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /**
   * The next push the provider accepted for this phone's token, as the phone handles it.
   * Rejects with the journal's WaitTimeoutError (which says what it saw instead) after timeoutMs.
   */
  nextNotification(opts: { timeoutMs?: number } = {}): Promise<ReceivedNotification> {
    // One reader at a time, so concurrent callers get successive pushes.
    const run = this.queue.then(() => this.readNext(opts.timeoutMs ?? this.timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Like nextNotification, but null when nothing arrives within timeoutMs. */
  async pollNotification(opts: { timeoutMs?: number } = {}): Promise<ReceivedNotification | null> {
    try {
      return await this.nextNotification(opts);
    } catch (e) {
      if ((e as Error).name === 'WaitTimeoutError') return null;
      throw e;
    }
  }

  /** Handles one journal entry (for callers that read the journal themselves). */
  async receive(entry: JournalEntry): Promise<ReceivedNotification> {
    await sodiumReady();
    const decided = interpret(entry.provider, entry.notification, { platform: this.platform, account: this.account, keys: this.keys });
    const received = { seq: entry.seq, provider: entry.provider, receivedAt: entry.time, raw: entry.notification, ...decided } as ReceivedNotification;
    this.notifications.push(received);
    this.cursor = Math.max(this.cursor, entry.seq);
    this.updateScreen(received);
    return received;
  }

  /** What a person sees now: shown notifications (and iOS fallbacks) not yet removed or cleared. */
  lockScreen(): LockScreenItem[] {
    return this.screen.map((i) => ({ ...i, messageIds: [...i.messageIds] }));
  }

  /** The person swipes everything away. */
  clearLockScreen(): void {
    this.screen = [];
  }

  private async readNext(timeoutMs: number): Promise<ReceivedNotification> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const entry = await this.provider.journal.next(this.currentToken, { afterSeq: this.cursor, timeoutMs: Math.max(1, Math.round(deadline - performance.now())) });
      this.cursor = Math.max(this.cursor, entry.seq);
      // FCM validate_only sends are accepted but deliver nothing.
      if (entry.notification === undefined) continue;
      return this.receive(entry);
    }
  }

  private updateScreen(n: ReceivedNotification): void {
    if (n.kind === 'remove') {
      // The app removes what the server says is read (zulip-flutter cancels by message id).
      const gone = new Set(n.messageIds);
      this.screen = this.screen.filter((i) => !i.messageIds.some((id) => gone.has(id)));
    }
    const display = n.kind === 'dropped' ? n.fallback : n.shown ? n : undefined;
    if (!display) return;
    const subtitle = display.subtitle !== undefined ? { subtitle: display.subtitle } : {};
    this.screen.push({ seq: n.seq, kind: n.kind, title: display.title, ...subtitle, body: display.body, messageIds: n.kind === 'dropped' ? [] : [...n.messageIds] });
  }

  private sealRegistration(): string {
    return sealPushRegistration(
      {
        tokenKind: this.tokenKind,
        token: this.currentToken,
        timestamp: Math.floor(this.clock.now() / 1000),
        ...(this.platform === 'ios' ? { iosAppId: this.appScope } : {}),
      },
      this.bouncerPublicKey,
    );
  }

  private unregisterAtProvider(token: string): void {
    if (!this.provider.unregisterDevice) throw new Error('this provider cannot unregister devices');
    this.provider.unregisterDevice(token);
  }
}

export type PlatformPhoneOptions = Omit<PhoneOptions, 'platform'>;

/** An iPhone: APNs tokens for the app's bundle id (`appScope`, e.g. org.zulip.Zulip). */
export class IosPhone extends Phone {
  constructor(opts: PlatformPhoneOptions) {
    super({ ...opts, platform: 'ios' });
  }
}

/** An Android phone: FCM registration tokens for the app's Firebase project (`appScope`). */
export class AndroidPhone extends Phone {
  constructor(opts: PlatformPhoneOptions) {
    super({ ...opts, platform: 'android' });
  }
}
