/**
 * Simulated phones: the Zulip app on iOS/Android, registering with its Zulip server and showing
 * what arrives through the mock APNs/FCM (server-and-app.md §A, §C, §D).
 */
export { AndroidPhone, IosPhone, Phone, REMOVE_CLIENT_DEVICE_FEATURE_LEVEL, TOKEN_REPEAT_MS } from './phone';
export type { LockScreenItem, PhoneOptions, PlatformPhoneOptions, ProviderJournal, ProviderSide, RegistrationProtocol, RegistrationReport } from './phone';
export { E2EE_FEATURE_LEVEL, interpret, iosSubtitle, messageTitle } from './display';
export type { Display, DisplayedNotification, DropReason, DroppedNotification, NotificationKind, Platform, ReceivedNotification, Sender, ZulipAccount } from './display';
export {
  decryptWithPushKey,
  encodePushKey,
  encryptForPushKey,
  PUSH_KEY_BYTES,
  PUSH_KEY_TAG_SECRETBOX,
  PushKeyStore,
  secretboxKeyOf,
  sodiumReady,
} from './push-keys';
export type { PushKey, RandomBytes } from './push-keys';
export { computeTokenId, pushRegistrationJson, sealPushRegistration, ZULIP_APP_BOUNCER_PUBLIC_KEY } from './registration';
export type { PushRegistration, TokenKind } from './registration';
export { HttpZulipAccountApi, LEGACY_ROUTES, ZulipApiError } from './zulip-api';
export type { E2ee11Registration, E2eeKeyGroup, E2eeRegistration, E2eeTokenGroup, HttpZulipAccountApiOptions, LegacyRegistration, ZulipAccountApi } from './zulip-api';
