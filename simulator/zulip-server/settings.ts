/**
 * The fake server's `/etc/zulip/settings.py`: the settings that decide whether and how it talks
 * to the push notification service (server-and-app.md §F).
 *
 *  - `servicesUrl` is ZULIP_SERVICES_URL. null = paused: nothing is sent to the service, and
 *    setting it again resumes with the same credentials (no re-registration needed).
 *  - `pushNotifications` is ZULIP_SERVICE_PUSH_NOTIFICATIONS: `uses_notification_bouncer()`.
 *  - `submitUsageStatistics` is ZULIP_SERVICE_SUBMIT_USAGE_STATISTICS: with it the hourly job
 *    uploads usage counts (ANALYTICS_DATA_UPLOAD_LEVEL ALL); without, metadata only (BILLING).
 *
 * Settings are mutable at run time (a real admin edits settings.py and restarts; the simulator
 * applies a change at once) and persisted next to the secrets file so the CLI can read them.
 */
import fs from 'node:fs';
import { uploadLevelFromSettings, type AnalyticsDataUploadLevel } from './bouncer-client/analytics-upload';
import type { ServerProfile } from './payloads/common';

export interface ZulipServerSettings {
  /** EXTERNAL_HOST: the server's public hostname (registration hostname, legacy `server` field). */
  externalHost: string;
  /** ZULIP_ADMINISTRATOR: the registration's contact email. */
  zulipAdministrator: string;
  /** ZULIP_SERVICES_URL; null = paused. */
  servicesUrl: string | null;
  /** ZULIP_SERVICE_PUSH_NOTIFICATIONS. */
  pushNotifications: boolean;
  /** ZULIP_SERVICE_SUBMIT_USAGE_STATISTICS. */
  submitUsageStatistics: boolean;
  /** Overrides the upload level derived from the two settings above (ANALYTICS_DATA_UPLOAD_LEVEL). */
  analyticsUploadLevel?: AnalyticsDataUploadLevel;
  /** Which server generation is simulated: payload shapes, E2EE API and feature level. */
  profile: ServerProfile;
}

/** ZULIP_VERSION and API_FEATURE_LEVEL per profile. */
export const SERVER_VERSIONS: Record<ServerProfile, { version: string; featureLevel: number; mergeBase: string }> = {
  // FL 420: E2EE test notifications exist; below 468 the app registers legacy tokens (§A.1, §D.2).
  11: { version: '11.0', featureLevel: 420, mergeBase: '11.0' },
  // FL 470: register_client_device + remove_client_device (§D.3). Kept below 483, whose rule for
  // suppressing legacy pushes to E2EE-registered users is not known exactly (§H).
  12: { version: '12.0-dev', featureLevel: 470, mergeBase: '12.0-dev' },
};

export const DEFAULT_EXTERNAL_HOST = 'zulip.example.net';
export const DEFAULT_ADMINISTRATOR = 'admin@zulip.com';

export function defaultSettings(overrides: Partial<ZulipServerSettings> = {}): ZulipServerSettings {
  return {
    externalHost: DEFAULT_EXTERNAL_HOST,
    zulipAdministrator: DEFAULT_ADMINISTRATOR,
    servicesUrl: null,
    pushNotifications: true,
    submitUsageStatistics: true,
    profile: 12,
    ...overrides,
  };
}

/** `uses_notification_bouncer()`, and whether anything may be sent right now. */
export const usesNotificationBouncer = (s: ZulipServerSettings): boolean => s.pushNotifications;

export function analyticsUploadLevel(s: ZulipServerSettings): AnalyticsDataUploadLevel {
  return s.analyticsUploadLevel ?? uploadLevelFromSettings({ pushNotifications: s.pushNotifications, submitUsageStatistics: s.submitUsageStatistics });
}

export const serverVersion = (s: ZulipServerSettings) => SERVER_VERSIONS[s.profile];

/** The settings file (JSON) next to zulip-secrets.conf; the CLI reads it. */
export function writeSettingsFile(file: string, s: ZulipServerSettings): void {
  fs.writeFileSync(file + '.tmp', JSON.stringify(s, null, 2) + '\n');
  fs.renameSync(file + '.tmp', file);
}

export function readSettingsFile(file: string): ZulipServerSettings {
  return defaultSettings(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ZulipServerSettings>);
}
