/**
 * The two read-only endpoints an app uses to learn the server's version and its device status:
 *
 *  - `POST /api/v1/register` — the initial snapshot, reduced to what push registration reads:
 *    `zulip_feature_level`, `zulip_version`, `zulip_merge_base`, the realm's push status, and
 *      12.x `devices`: {"<device_id>": {push_key_id, push_token_id, pending_push_token_id,
 *             push_token_last_updated_timestamp, push_registration_error_code}} (zerver/lib/devices.py get_devices)
 *      11.x `push_devices`: {"<push_account_id>": {status: "active"|"pending"|"failed", error_code}}
 *             (push_notifications.py get_push_devices)
 *    No event queue is created (`queue_id` null, `last_event_id` -1).
 *  - `GET /api/v1/server_settings` — no authentication; the realm is chosen by the Host header
 *    (its fields only when a realm matches).
 */
import type { ZulipServerContext } from '../../context';
import { pushDevice11Status } from '../../push/e2ee-registration';
import { serverVersion, usesNotificationBouncer } from '../../settings';
import type { User } from '../../types';
import type { RouteDef } from '../route';

export const REGISTER_PATH = '/api/v1/register';
export const SERVER_SETTINGS_PATH = '/api/v1/server_settings';

function versionFields(ctx: ZulipServerContext): Record<string, unknown> {
  const v = serverVersion(ctx.settings());
  return { zulip_version: v.version, zulip_feature_level: v.featureLevel, zulip_merge_base: v.mergeBase };
}

/** get_devices (12.x). */
export function devicesSnapshot(ctx: ZulipServerContext, userId: number): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const d of [...ctx.state.clientDevices.values()].filter((d) => d.userId === userId).sort((a, b) => a.id - b.id)) {
    out[String(d.id)] = {
      push_key_id: d.pushKeyId,
      push_token_id: d.pushTokenId,
      pending_push_token_id: d.pendingPushTokenId,
      push_token_last_updated_timestamp: d.pushTokenLastUpdatedTimestamp,
      push_registration_error_code: d.pushRegistrationErrorCode,
    };
  }
  return out;
}

/** get_push_devices (11.x). */
export function pushDevicesSnapshot(ctx: ZulipServerContext, userId: number): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const row of ctx.state.pushDevices11.filter((r) => r.userId === userId)) {
    out[String(row.pushAccountId)] = { status: pushDevice11Status(row), error_code: row.errorCode };
  }
  return out;
}

function registerSnapshot(ctx: ZulipServerContext, user: User): Record<string, unknown> {
  const realm = ctx.state.realm(user.realmId);
  const deviceStatus =
    ctx.settings().profile === 12 ? { devices: devicesSnapshot(ctx, user.id) } : { push_devices: pushDevicesSnapshot(ctx, user.id) };
  return {
    queue_id: null,
    last_event_id: -1,
    ...versionFields(ctx),
    realm_push_notifications_enabled: realm.pushNotificationsEnabled,
    realm_push_notifications_enabled_end_timestamp: realm.pushNotificationsEnabledEndTimestamp,
    ...deviceStatus,
  };
}

export const registerSnapshotRoutes: RouteDef[] = [
  {
    path: REGISTER_PATH,
    auth: 'user',
    methods: {
      POST: (req, ctx) => {
        // fetch_event_types, apply_markdown, … are accepted and ignored (no event queue here).
        for (const name of ['fetch_event_types', 'event_types', 'apply_markdown', 'client_gravatar', 'slim_presence', 'include_subscribers', 'client_capabilities', 'narrow', 'all_public_streams']) {
          req.params.get(name);
        }
        return registerSnapshot(ctx, req.user);
      },
    },
  },
  {
    path: SERVER_SETTINGS_PATH,
    auth: 'none',
    methods: {
      GET: (req, ctx) => {
        const host = String(req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
        const realm = [...ctx.state.realms.values()].find((r) => r.host.toLowerCase() === host);
        return {
          ...versionFields(ctx),
          // push_notifications_configured(): the bouncer in use (credentials are in the secrets file).
          push_notifications_enabled: usesNotificationBouncer(ctx.settings()) && ctx.secrets.credentials() !== null,
          is_incompatible: false,
          ...(realm ? { realm_uri: realm.url, realm_url: realm.url, realm_name: realm.name } : {}),
        };
      },
    },
  },
];
