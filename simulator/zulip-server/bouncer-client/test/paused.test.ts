/**
 * ZULIP_SERVICES_URL unset = the service is paused: every call is skipped, says so, and sends
 * nothing (nock refuses every connection and a catch-all interceptor must stay unused).
 */
import { isSkipped, PAUSED_REASON } from '../client';
import { uploadServerData } from '../analytics-upload';
import { BOUNCER, catchAll, intercept, makeClient, realmFixture, useNock } from './support';

useNock();

const user = { userId: 10, userUuid: 'uu', realmUuid: 'ru' };

it('should skip every endpoint without a request, without even reading the credentials', async () => {
  const credentials = jest.fn(() => ({ zulipOrgId: 'id', zulipOrgKey: 'key' }));
  const { client, log } = makeClient({ url: null, credentials });
  const any = catchAll();

  const calls: [string, () => Promise<unknown>][] = [
    ['server/register', () => client.registerServer({ hostname: 'h.example.net', contactEmail: 'a@zulip.com' })],
    ['server/deactivate', () => client.deactivateServer()],
    ['server/register/transfer', () => client.transferRegistration({ hostname: 'h.example.net' })],
    ['server/register/verify_challenge', () => client.verifyTransferChallenge({ hostname: 'h.example.net', accessToken: 't' })],
    ['server/analytics/status', () => client.analyticsStatus()],
    [
      'server/analytics',
      () => client.uploadAnalytics({ realm_counts: [], installation_counts: [], realms: [], version: null, merge_base: null, api_feature_level: null }),
    ],
    ['push/register', () => client.registerPushDevice({ ...user, token: 't', tokenKind: 'fcm' })],
    ['push/unregister', () => client.unregisterPushDevice({ ...user, token: 't', tokenKind: 'fcm' })],
    ['push/unregister/all', () => client.unregisterAllPushDevices(user)],
    [
      'push/notify',
      () => client.notify({ ...user, apnsPayload: {}, gcmPayload: {}, gcmOptions: {}, androidDevices: [], appleDevices: [] }),
    ],
    ['push/test_notification', () => client.sendTestNotification({ ...user, token: 't', tokenKind: 'fcm', basePayload: {} })],
    ['push/e2ee/register', () => client.registerE2eeDevice({ realmUuid: 'ru', tokenId: 'x', encryptedPushRegistration: 'e', bouncerPublicKey: 'k' })],
    ['push/e2ee/notify', () => client.e2eeNotify({ realmUuid: 'ru', pushRequests: [] })],
  ];
  for (const [endpoint, call] of calls) {
    expect(await call()).toEqual({ skipped: true, endpoint, reason: PAUSED_REASON });
  }
  expect(any.hits).toEqual([]);
  expect(credentials).not.toHaveBeenCalled();
  expect(log.output()).toContain(`INFO:zerver.lib.remote_server:Skipping push/notify: ${PAUSED_REASON}`);
});

it('should skip the analytics upload and leave the realms alone', async () => {
  const { client } = makeClient({ url: null });
  const realms = [realmFixture()];
  const result = await uploadServerData(
    client,
    { realms, version: '11.0', mergeBase: null, apiFeatureLevel: 400, uploadLevel: 'ALL' },
    { considerUsageStatistics: true },
  );
  expect(result).toEqual({ outcome: 'skipped', reason: PAUSED_REASON, realms });
});

it('should pause and resume with a URL getter', async () => {
  let url: string | null = null;
  const { client } = makeClient({ url: () => url });
  expect(client.paused).toBe(true);
  expect(isSkipped(await client.deactivateServer())).toBe(true);

  url = BOUNCER;
  const seen = intercept('POST', 'server/deactivate');
  expect(isSkipped(await client.deactivateServer())).toBe(false);
  expect(seen).toHaveLength(1);
});
