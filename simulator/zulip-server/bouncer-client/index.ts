/**
 * The fake Zulip server's bouncer client: every call a Zulip server makes to the push
 * notification service, Zulip's reactions to the answers, and the analytics upload.
 *
 *   const client = new BouncerClient({ url, credentials: () => secrets, clock, version: '11.0' });
 *   const res = await client.withRetries(() => client.notify({...}));
 *   if (!isSkipped(res)) ({ realm, devices } = reactToLegacyNotify({ realm, userId, devices }, res, log));
 */
export {
  BouncerClient,
  ANALYTICS_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  PAUSED_REASON,
  isSkipped,
  type BouncerClientOptions,
  type BouncerResult,
  type BouncerSkipped,
} from './client';
export * from './errors';
export * from './retry';
export * from './wire';
export * from './reactions';
export * from './analytics-upload';
