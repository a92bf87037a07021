/**
 * The client against the real simulated bouncer (no nock): register → analytics status →
 * upload → push/register → push/notify, then a key rotation, all with the bouncer's own answers.
 */
import crypto from 'node:crypto';
import { VirtualClock } from '../../../core/clock';
import { startBouncer, type BouncerHandle } from '../../../bouncer';
import { ROLE } from '../../types';
import { BouncerClient, isSkipped, type BouncerResult } from '../client';
import { BouncerJsonableError } from '../errors';
import { roleCountExtraData, uploadServerData, type ServerAnalyticsData } from '../analytics-upload';
import { reactToLegacyNotify } from '../reactions';
import type { BouncerCredentials } from '../wire';
import { captureLogger, randomKey, realmFixture } from './support';

let bouncer: BouncerHandle;
const clock = new VirtualClock();

beforeAll(async () => {
  bouncer = await startBouncer({ clock, database: 'memory', logLevel: 'silent' });
});
afterAll(async () => {
  await bouncer.stop();
});

function sent<T>(r: BouncerResult<T>): T {
  if (isSkipped(r)) throw new Error(`skipped ${r.endpoint}`);
  return r;
}

it('should register, upload analytics, register a device and notify through the simulated bouncer', async () => {
  const secrets: BouncerCredentials = { zulipOrgId: crypto.randomUUID(), zulipOrgKey: randomKey() };
  const log = captureLogger();
  const client = new BouncerClient({
    url: bouncer.url,
    credentials: () => ({ ...secrets }),
    clock,
    version: '11.0',
    logger: log.logger,
  });
  const hostname = `zulip-${process.pid}-${crypto.randomBytes(3).toString('hex')}.example.net`;

  // 1. manage.py register_server
  expect(sent(await client.registerServer({ hostname, contactEmail: 'admin@zulip.com' }))).toEqual({
    result: 'success',
    msg: '',
    created: true,
  });

  // 2. status → upload, at BILLING: the realm plus a role-count audit row (3 humans)
  const realm = realmFixture({ pushNotificationsEnabled: false });
  const users = [ROLE.OWNER, ROLE.MEMBER, ROLE.GUEST].map((role, i) => ({
    id: i + 1,
    uuid: crypto.randomUUID(),
    realmId: realm.id,
    email: `user${i}@${realm.host}`,
    fullName: `User ${i}`,
    role,
    isBot: false,
    avatarUrl: `${realm.url}/avatar/${i}`,
    isActive: true,
  }));
  const data: ServerAnalyticsData = {
    realms: [realm],
    auditLogs: [
      { id: 1, realmId: realm.id, eventType: 101, eventTime: clock.now() / 1000, extraData: roleCountExtraData(users, realm.id) },
    ],
    version: '11.0',
    mergeBase: '11.0',
    apiFeatureLevel: 400,
    uploadLevel: 'BILLING',
  };
  const first = await uploadServerData(client, data, { considerUsageStatistics: false });
  expect(first).toMatchObject({ outcome: 'uploaded', recordCount: 1, lastAcked: { last_realmauditlog_id: 0 } });
  const [updated] = first.realms;
  expect(updated).toMatchObject({ pushNotificationsEnabled: true, pushNotificationsEnabledEndTimestamp: null });

  // 3. the bouncer now reports the audit id; the next upload is only the delta
  expect(sent(await client.analyticsStatus())).toMatchObject({ last_realmauditlog_id: 1, last_realm_count_id: 0 });
  data.auditLogs!.push({ id: 2, realmId: realm.id, eventType: 105, eventTime: clock.now() / 1000, extraData: roleCountExtraData(users, realm.id) });
  const second = await uploadServerData(client, { ...data, realms: first.realms }, { considerUsageStatistics: false });
  expect(second).toMatchObject({ outcome: 'uploaded', recordCount: 1, lastAcked: { last_realmauditlog_id: 1 } });

  // 4. push/register: the bouncer ignores the server_uuid real servers send
  const user = users[1]!;
  const identity = { userId: user.id, userUuid: user.uuid, realmUuid: realm.uuid };
  expect(sent(await client.registerPushDevice({ ...identity, token: 'fcm-token-1', tokenKind: 'fcm' }))).toEqual({
    result: 'success',
    msg: '',
    ignored_parameters_unsupported: ['server_uuid'],
  });

  // 5. push/notify: one FCM registration (no FCM configured on this bouncer), realm can push
  const notified = sent(
    await client.notify({
      ...identity,
      apnsPayload: {},
      gcmPayload: { event: 'remove', zulip_message_ids: '1' },
      gcmOptions: { priority: 'normal' },
      androidDevices: ['fcm-token-1', 'fcm-token-gone'],
      appleDevices: [],
    }),
  );
  expect(notified).toMatchObject({
    total_android_devices: 1,
    total_apple_devices: 0,
    deleted_devices: { android_devices: ['fcm-token-gone'], apple_devices: [] },
    realm: { can_push: true, expected_end_timestamp: null },
  });
  const devices = [
    { userId: user.id, kind: 'fcm' as const, token: 'fcm-token-1', iosAppId: null },
    { userId: user.id, kind: 'fcm' as const, token: 'fcm-token-gone', iosAppId: null },
  ];
  const reaction = reactToLegacyNotify({ realm: updated!, userId: user.id, devices }, notified);
  expect(reaction.devices.map((d) => d.token)).toEqual(['fcm-token-1']);

  // 6. key rotation: the old key stops working, the new one (read fresh) works
  const oldKey = secrets.zulipOrgKey;
  const newKey = randomKey();
  expect(sent(await client.registerServer({ hostname, contactEmail: 'admin@zulip.com', newOrgKey: newKey }))).toMatchObject({
    created: false,
  });
  const stale = await client.analyticsStatus().catch((e: unknown) => e);
  expect(stale).toBeInstanceOf(BouncerJsonableError);
  expect(stale).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  secrets.zulipOrgKey = newKey;
  expect(sent(await client.analyticsStatus())).toMatchObject({ last_realmauditlog_id: 2 });
  expect(JSON.stringify(log.lines)).not.toContain(oldKey);
  expect(JSON.stringify(log.lines)).not.toContain(newKey);
});
