/** What every route handler may use: the bouncer's state, configuration and loggers. */
import type { Clock } from '../core/clock';
import type { ComponentLog, Logger } from '../core/logging';
import type { RateLimitRule, SlidingLogRateLimiter } from './http/rate-limit';
import type { ApnsClient } from './providers/apns-client';
import type { FcmClient } from './providers/fcm-client';
import type { Db } from './store/db';
import type { AnalyticsStore } from './store/analytics';
import type { PlanStore } from './store/plans';
import type { RealmStore } from './store/realms';
import type { ServerStore } from './store/servers';
import type { KeyRing } from './e2ee/key-ring';
import type { E2eeDeviceStore } from './store/e2ee-devices';
import type { LegacyDeviceStore } from './store/legacy-devices';
import type { DnsResolver } from './validation/dns';
import type { TransferHostClient } from './transfer/host-client';

export interface BouncerConfig {
  /** api_by_remote_server rules; [] disables rate limiting (Zulip's RATE_LIMITING=False). */
  rateLimitRules: RateLimitRule[];
  /** The global limit of register/verify_challenge. */
  transferVerifyRules: RateLimitRule[];
  /** Named in the global-limit message (Zulip's FromAddress.SUPPORT). */
  supportEmail: string;
  /** Django SECRET_KEY equivalent: signs registration-transfer secrets. */
  secretKey: string;
  /**
   * The bouncer's root host (e.g. `push.zulipchat.com`). When set, authenticated requests whose
   * Host is a subdomain of it are refused as Zulip does (§2 step 3.4); unset disables the check,
   * like DEVELOPMENT_DISABLE_PUSH_BOUNCER_DOMAIN_CHECK.
   */
  rootHost?: string;
  /** E2EE protocol profile: 11 (push_account_id/device_id) or 12 (token_id). */
  e2eeProfile: 11 | 12;
}

export interface BouncerLoggers {
  /** The access log (Zulip's zulip.requests). */
  requests: Logger;
  /** zilencer.views */
  views: Logger;
  /** zilencer.auth */
  auth: Logger;
  /** The root logger. */
  root: Logger;
  /** zerver.lib.push_notifications: legacy sends and every APNs result (§7.1–§7.2). */
  push: Logger;
  /** zilencer.lib.push_notifications: E2EE sends (§7.3). */
  e2eePush: Logger;
}

/** One HTTP response the bouncer sent, as its `bouncer.responses` sink keeps it (a JSON line). */
export interface ResponseRecord {
  status: number;
  /** The request path, never its query string. */
  path: string;
  /** The body as sent (UTF-8 text); null when the body was a stream (not captured). */
  body: string | null;
}

export interface BouncerContext {
  clock: Clock;
  db: Db;
  servers: ServerStore;
  /** PUSH_REGISTRATION_ENCRYPTION_KEYS: the E2EE registration key ring. */
  keyRing: KeyRing;
  /** E2EE device registrations (RemotePushDevice). */
  e2eeDevices: E2eeDeviceStore;
  /** Legacy (non-E2EE) device registrations (RemotePushDeviceToken). */
  legacyDevices: LegacyDeviceStore;
  /** Clients for Apple's and Google's push services; null where not configured (§7: sends are dropped). */
  providers: { apns: ApnsClient | null; fcm: FcmClient | null };
  /** RemoteRealm rows (and the bouncer's audit rows about them). */
  realms: RealmStore;
  /** Analytics counts and uploaded audit rows. */
  counts: AnalyticsStore;
  /** Customer plans of servers and realms. */
  plans: PlanStore;
  config: BouncerConfig;
  log: ComponentLog;
  loggers: BouncerLoggers;
  rateLimiter: SlidingLogRateLimiter;
  transferLimiter: SlidingLogRateLimiter;
  dns: DnsResolver;
  transferHosts: TransferHostClient;
  /** Current time in Unix seconds, from the clock. */
  now(): number;
  /**
   * Keeps every response body sent, success or error (the `http-responses` sink the privacy
   * scanner reads); absent = responses are not kept.
   */
  recordResponse?: (r: ResponseRecord) => void;
}
