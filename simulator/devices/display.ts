/**
 * What a person sees when a push reaches the phone (server-and-app.md §A.3, §C; zulip-flutter
 * `lib/api/notifications.dart`, `lib/notifications/display.dart`, `ios_service.dart`).
 *
 * iOS, legacy: the OS shows `aps.alert` (title, subtitle, body) as the server wrote it; the app
 *   is not involved. iOS, E2EE (`"mutable-content": 1`): the Notification Service Extension
 *   decrypts and shows a message as title / subtitle (`"<sender>:"` for channels, `""` for DMs) /
 *   content; anything it cannot handle (unknown key, other realm, a `test` or `remove` payload)
 *   falls back to `aps.alert` ("New notification") — that fallback is reported too.
 * Android (legacy FCM data or decrypted E2EE): the app builds the title — `#channel > topic`,
 *   the sender's name for a 1:1 DM, `"<sender> to you and N other(s)"` for a group DM — and shows
 *   the content as the body, with the sender's name beside it (MessagingStyle). Unknown events
 *   (including `test`) are not shown. Legacy FCM is ignored when the account's server is FL 468+.
 *
 * Pure functions: no logging, and a `detail` never quotes payload content.
 */
import { apnsEncrypted, fcmEncrypted } from './e2ee-payloads';
import { apnsLegacy, fcmLegacy } from './legacy-payloads';
import { drop, isDict, type Dict, type InterpretContext, type Interpretation } from './notification';

export { E2EE_FEATURE_LEVEL, iosSubtitle, messageTitle } from './notification';
export type {
  Display,
  DisplayedNotification,
  DropReason,
  DroppedNotification,
  InterpretContext,
  Interpretation,
  NotificationKind,
  Platform,
  ReceivedNotification,
  Sender,
  ZulipAccount,
} from './notification';

/** Decides what one delivery does on this phone. `delivered` is the journal entry's `notification`. */
export function interpret(provider: 'apns' | 'fcm', delivered: unknown, ctx: InterpretContext): Interpretation {
  if (provider === 'apns') {
    if (!isDict(delivered)) return drop('not-zulip', 'the APNs payload is not a JSON object');
    return 'encrypted_data' in delivered ? apnsEncrypted(delivered, ctx) : apnsLegacy(delivered);
  }
  const data = isDict(delivered) && isDict(delivered.data) ? (delivered.data as Dict) : null;
  if (!data) return drop('not-zulip', 'the FCM message has no data');
  return 'encrypted_data' in data ? fcmEncrypted(data, ctx) : fcmLegacy(data, ctx);
}
