/**
 * The count stats a server may upload, and the two the bouncer keeps itself
 * (analytics/lib/counts.py: COUNT_STATS, BOUNCER_ONLY_REMOTE_COUNT_STAT_PROPERTIES,
 * LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER; bouncer-protocol.md §10.2 step 2).
 */

/** Bouncer-generated stats (RemoteRealmCount / RemoteInstallationCount with remote_id NULL). */
export const MOBILE_PUSHES_RECEIVED = 'mobile_pushes_received::day';
export const MOBILE_PUSHES_FORWARDED = 'mobile_pushes_forwarded::day';
export type BouncerOnlyProperty = typeof MOBILE_PUSHES_RECEIVED | typeof MOBILE_PUSHES_FORWARDED;

/** Tracked by the bouncer; a server uploading them would interfere with its data. */
export const BOUNCER_ONLY_REMOTE_COUNT_STAT_PROPERTIES: ReadonlySet<string> = new Set([
  MOBILE_PUSHES_RECEIVED,
  MOBILE_PUSHES_FORWARDED,
]);

/**
 * Stats Zulip stopped recording (or never meant for the bouncer) that old servers may still
 * send: accepted without complaint, never stored.
 */
export const LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER: ReadonlySet<string> = new Set([
  'invites_sent::day',
  'mobile_pushes_sent::day',
  'active_users_log:is_bot:day',
  'active_users:is_bot:day',
]);

/** COUNT_STATS keys on a bouncer (ZILENCER_ENABLED, so the two bouncer-only stats are included). */
export const COUNT_STAT_PROPERTIES: ReadonlySet<string> = new Set([
  'messages_sent:is_bot:hour',
  'messages_sent:message_type:day',
  'messages_sent:client:day',
  'messages_in_stream:is_bot:day',
  'active_users_audit:is_bot:day',
  'upload_quota_used_bytes::day',
  'messages_read::hour',
  'messages_read_interactions::hour',
  '1day_actives::day',
  '7day_actives::day',
  '15day_actives::day',
  'minutes_active::day',
  'mobile_pushes_sent::day',
  'invites_sent::day',
  'realm_active_humans::day',
  MOBILE_PUSHES_RECEIVED,
  MOBILE_PUSHES_FORWARDED,
]);

/** validate_incoming_table_data's property rule: known, not bouncer-only — or silently skipped. */
export function isAcceptedUploadProperty(property: string): boolean {
  if (LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER.has(property)) return true;
  return COUNT_STAT_PROPERTIES.has(property) && !BOUNCER_ONLY_REMOTE_COUNT_STAT_PROPERTIES.has(property);
}

/** Rows with these properties pass validation but are not stored. */
export const isSkippedUploadProperty = (property: string): boolean =>
  LOGGING_COUNT_STAT_PROPERTIES_NOT_SENT_TO_BOUNCER.has(property);
