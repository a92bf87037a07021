/**
 * The FCM HTTP v1 request schema as data (google/firebase/fcm/v1 `SendMessageRequest`,
 * firebase.google.com/docs/reference/fcm/rest/v1/projects.messages): one table gives the
 * parser (message.ts) every field, its JSON type and its proto type name for error messages.
 * Field names are the proto (snake_case) names; the parser also accepts their lowerCamelCase
 * JSON names, as proto3 JSON parsers do.
 */
export type FieldType =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'int32' }
  | { kind: 'float' }
  | { kind: 'enum'; type: string; values: readonly string[]; caseInsensitive?: boolean }
  | { kind: 'duration' }
  | { kind: 'timestamp' }
  /** map<string, string>; `entry` names the map-entry type for error messages. */
  | { kind: 'map'; entry: string }
  /** google.protobuf.Struct: any JSON object. */
  | { kind: 'struct' }
  | { kind: 'message'; type: string; fields: MessageSchema }
  | { kind: 'repeated'; of: FieldType };

export interface FieldSpec {
  type: FieldType;
  /** The oneof the field belongs to, if any. */
  oneof?: string;
}

export type MessageSchema = Readonly<Record<string, FieldSpec>>;

const PKG = 'google.firebase.fcm.v1';
const str: FieldSpec = { type: { kind: 'string' } };
const bool: FieldSpec = { type: { kind: 'bool' } };
const map = (entry: string): FieldSpec => ({ type: { kind: 'map', entry: `${PKG}.${entry}` } });
const msg = (type: string, fields: MessageSchema): FieldSpec => ({ type: { kind: 'message', type: `${PKG}.${type}`, fields } });
const enumOf = (type: string, values: readonly string[], caseInsensitive = false): FieldSpec => ({
  type: { kind: 'enum', type: `${PKG}.${type}`, values, caseInsensitive },
});

const NOTIFICATION: MessageSchema = { title: str, body: str, image: str };

const COLOR: MessageSchema = {
  red: { type: { kind: 'float' } },
  green: { type: { kind: 'float' } },
  blue: { type: { kind: 'float' } },
  alpha: { type: { kind: 'float' } },
};

const LIGHT_SETTINGS: MessageSchema = {
  color: { type: { kind: 'message', type: 'google.type.Color', fields: COLOR } },
  light_on_duration: { type: { kind: 'duration' } },
  light_off_duration: { type: { kind: 'duration' } },
};

const ANDROID_NOTIFICATION: MessageSchema = {
  title: str,
  body: str,
  icon: str,
  color: str,
  sound: str,
  tag: str,
  click_action: str,
  body_loc_key: str,
  body_loc_args: { type: { kind: 'repeated', of: { kind: 'string' } } },
  title_loc_key: str,
  title_loc_args: { type: { kind: 'repeated', of: { kind: 'string' } } },
  channel_id: str,
  ticker: str,
  sticky: bool,
  event_time: { type: { kind: 'timestamp' } },
  local_only: bool,
  notification_priority: enumOf('AndroidNotification.NotificationPriority', [
    'PRIORITY_UNSPECIFIED',
    'PRIORITY_MIN',
    'PRIORITY_LOW',
    'PRIORITY_DEFAULT',
    'PRIORITY_HIGH',
    'PRIORITY_MAX',
  ]),
  default_sound: bool,
  default_vibrate_timings: bool,
  default_light_settings: bool,
  vibrate_timings: { type: { kind: 'repeated', of: { kind: 'duration' } } },
  visibility: enumOf('AndroidNotification.Visibility', ['VISIBILITY_UNSPECIFIED', 'PRIVATE', 'PUBLIC', 'SECRET']),
  notification_count: { type: { kind: 'int32' } },
  light_settings: msg('LightSettings', LIGHT_SETTINGS),
  image: str,
  bypass_proxy_notification: bool,
  proxy: enumOf('AndroidNotification.Proxy', ['PROXY_UNSPECIFIED', 'ALLOW', 'DENY', 'IF_PRIORITY_LOWERED']),
};

/**
 * AndroidConfig.priority: the docs spell NORMAL/HIGH, but every Admin SDK sends lower-case
 * `high`/`normal` (firebase-admin messaging-internal.js passes it through untouched; the Python
 * and Go SDKs likewise) and real FCM accepts it — so this enum is matched case-insensitively.
 * The AndroidNotification enums stay exact: the SDKs upper-case those before sending.
 */
export const ANDROID_PRIORITIES = ['NORMAL', 'HIGH'] as const;

const ANDROID_CONFIG: MessageSchema = {
  collapse_key: str,
  priority: enumOf('AndroidConfig.AndroidMessagePriority', ANDROID_PRIORITIES, true),
  ttl: { type: { kind: 'duration' } },
  restricted_package_name: str,
  data: map('AndroidConfig.DataEntry'),
  notification: msg('AndroidNotification', ANDROID_NOTIFICATION),
  fcm_options: msg('AndroidFcmOptions', { analytics_label: str }),
  direct_boot_ok: bool,
  bandwidth_constrained_ok: bool,
  restricted_satellite_ok: bool,
};

const WEBPUSH_CONFIG: MessageSchema = {
  headers: map('WebpushConfig.HeadersEntry'),
  data: map('WebpushConfig.DataEntry'),
  notification: { type: { kind: 'struct' } },
  fcm_options: msg('WebpushFcmOptions', { link: str, analytics_label: str }),
};

const APNS_CONFIG: MessageSchema = {
  headers: map('ApnsConfig.HeadersEntry'),
  payload: { type: { kind: 'struct' } },
  fcm_options: msg('ApnsFcmOptions', { analytics_label: str, image: str }),
  live_activity_token: str,
};

export const MESSAGE: MessageSchema = {
  /** Output only; ignored on input. */
  name: str,
  data: map('Message.DataEntry'),
  notification: msg('Notification', NOTIFICATION),
  android: msg('AndroidConfig', ANDROID_CONFIG),
  webpush: msg('WebpushConfig', WEBPUSH_CONFIG),
  apns: msg('ApnsConfig', APNS_CONFIG),
  fcm_options: msg('FcmOptions', { analytics_label: str }),
  token: { ...str, oneof: 'target' },
  topic: { ...str, oneof: 'target' },
  condition: { ...str, oneof: 'target' },
};

export const SEND_MESSAGE_REQUEST: MessageSchema = {
  validate_only: bool,
  message: msg('Message', MESSAGE),
};

/** proto name → proto3 JSON name: `collapse_key` → `collapseKey`. */
export const jsonName = (protoName: string): string => protoName.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
