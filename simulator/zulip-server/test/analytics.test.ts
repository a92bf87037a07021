/**
 * The metadata / usage-statistics upload and the hourly job against the real simulated bouncer
 * (bouncer-protocol.md §8, §10; server-and-app.md §E, §F; the seed's "Uploading basic metadata"
 * and "Uploading usage statistics").
 */
import fs from 'node:fs';
import { tempDir } from '../../../harness/testing/temp-dir';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import { RealClock, VirtualClock } from '../../core/clock';
import { createCertificateAuthority } from '../../core/tls';
import { startZulipServer, type ZulipServerHandle } from '..';
import { ANALYTICS_INTERVAL_MS, sendServerDataToPushBouncer, startAnalyticsJob, type AnalyticsJob } from '../analytics';
import type { UploadServerDataResult } from '../bouncer-client/analytics-upload';
import { PushNotificationBouncerError } from '../bouncer-client/errors';
import type { RealmSpec } from '../world';

const HOUR = ANALYTICS_INTERVAL_MS;
const ca = createCertificateAuthority();
let clock: VirtualClock;
let bouncer: BouncerHandle;
let zulip: ZulipServerHandle;
let job: AnalyticsJob | null = null;

beforeEach(async () => {
  clock = new VirtualClock();
  bouncer = await startBouncer({ clock, database: 'memory' });
});

afterEach(async () => {
  job?.stop();
  job = null;
  await zulip.stop();
  await bouncer.stop();
});

async function start(opts: { realms?: RealmSpec[]; submitUsageStatistics?: boolean } = {}): Promise<ZulipServerHandle> {
  zulip = await startZulipServer({
    dataDir: tempDir('zpg-analytics-'),
    clock,
    ca,
    realms: opts.realms,
    analyticsJob: false,
    settings: { servicesUrl: bouncer.url, submitUsageStatistics: opts.submitUsageStatistics ?? true },
  });
  return zulip;
}

const bouncerRequestCount = () =>
  bouncer.logLines().filter((l) => l.logger === 'zulip.requests' && l.msg.includes('/api/v1/remotes/')).length;
const count = (sql: string) => bouncer.query<{ n: number }>(sql)[0]!.n;

/** Advances the virtual clock one interval and waits for the job's run it triggers. */
async function nextHour(j: AnalyticsJob) {
  const run = j.nextRun();
  clock.advance(HOUR);
  return run;
}

describe('the hourly analytics job', () => {
  it('should upload metadata only while usage statistics are off, and usage counts once they are on', async () => {
    await start({ submitUsageStatistics: false });
    await zulip.registerServer({ agreeToTermsOfService: true });
    const realm = zulip.realms()[0]!;
    zulip.state.incrementRealmCount(realm.id, 'messages_sent:message_type:day', 5, clock.now());
    zulip.world.addUser(realm); // a USER_CREATED audit row the bouncer does not have yet
    const auditRows = count('SELECT count(*) AS n FROM remote_realm_audit_log');
    job = startAnalyticsJob(zulip.context);

    clock.advance(HOUR - 60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(job.runs).toBe(0);
    const before = bouncerRequestCount();
    const run = job.nextRun();
    clock.advance(60_000);
    const first = (await run) as Extract<UploadServerDataResult, { outcome: 'uploaded' }>;

    // ZULIP_SERVICE_SUBMIT_USAGE_STATISTICS off → BILLING: realms and audit rows, no counts.
    expect(first).toMatchObject({ outcome: 'uploaded', recordCount: 1 });
    expect(first.request.realm_counts).toEqual([]);
    expect(first.request.realmauditlog_rows).toHaveLength(1);
    expect(bouncerRequestCount() - before).toBe(2);
    expect(count('SELECT count(*) AS n FROM remote_realm_count')).toBe(0);
    expect(count('SELECT count(*) AS n FROM remote_realm_audit_log')).toBe(auditRows + 1);

    zulip.updateSettings({ submitUsageStatistics: true });
    const second = (await nextHour(job)) as Extract<UploadServerDataResult, { outcome: 'uploaded' }>;
    expect(second.request.realm_counts).toEqual([
      expect.objectContaining({ property: 'messages_sent:message_type:day', realm: realm.id, value: 5 }),
    ]);
    expect(count('SELECT count(*) AS n FROM remote_realm_count')).toBe(1);
    expect(job.runs).toBe(2);
  });

  it('should send nothing while the service is paused or push notifications are off', async () => {
    await start();
    await zulip.registerServer({ agreeToTermsOfService: true });
    job = startAnalyticsJob(zulip.context);
    const before = bouncerRequestCount();

    zulip.updateSettings({ servicesUrl: null });
    expect(await nextHour(job)).toBeNull();
    expect(await sendServerDataToPushBouncer(zulip.context, { considerUsageStatistics: true })).toMatchObject({
      outcome: 'skipped',
      reason: 'ZULIP_SERVICES_URL is not set: the push notification service is paused',
    });

    zulip.updateSettings({ servicesUrl: bouncer.url, pushNotifications: false });
    expect(await nextHour(job)).toBeNull();
    zulip.updateSettings({ pushNotifications: true, analyticsUploadLevel: 'NONE' });
    expect(await nextHour(job)).toBeNull();
    expect(bouncerRequestCount()).toBe(before);

    // Resuming needs no re-registration.
    zulip.updateSettings({ analyticsUploadLevel: undefined });
    expect(await nextHour(job)).toMatchObject({ outcome: 'uploaded' });
    expect(job.runs).toBe(4);
  });

  it('should keep running through failed uploads, which are logged', async () => {
    await start();
    await zulip.registerServer({ agreeToTermsOfService: true });
    expect(zulip.realms()[0]!.pushNotificationsEnabled).toBe(true);
    await zulip.registerServer({ deactivate: true });
    job = startAnalyticsJob(zulip.context);

    const first = await nextHour(job);
    const second = await nextHour(job);

    const msg = 'The mobile push notification service registration for your server has been deactivated';
    expect(first).toMatchObject({ outcome: 'failed', stage: 'status', error: { name: 'BouncerJsonableError', message: msg } });
    expect(second).toMatchObject({ outcome: 'failed' });
    // maybe_mark_pushes_disabled: no can_push within the last hour, so the realm's pushes go off.
    expect(zulip.realms()[0]!.pushNotificationsEnabled).toBe(false);
    const warnings = zulip.logLines().filter((l) => l.logger === 'zulip.analytics' && l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([msg, msg]);
    expect(fs.readFileSync(zulip.logFile, 'utf8')).not.toContain(zulip.context.secrets.credentials()!.zulipOrgKey);
  });

  it('should log an exception by class and message only, and try again the next hour', async () => {
    await start();
    await zulip.registerServer({ agreeToTermsOfService: true });
    // INVALID_ZULIP_SERVER is one of the errors send_server_data_to_push_bouncer lets propagate.
    const failing = Object.create(zulip.context.bouncer, {
      analyticsStatus: {
        value: async () => {
          throw new PushNotificationBouncerError('Push notifications bouncer error: Zulip server auth failure', { code: 'INVALID_ZULIP_SERVER' });
        },
      },
    }) as typeof zulip.context.bouncer;
    job = startAnalyticsJob({ ...zulip.context, bouncer: failing });

    expect(await nextHour(job)).toBeInstanceOf(PushNotificationBouncerError);
    expect(await nextHour(job)).toBeInstanceOf(PushNotificationBouncerError);

    const lines = zulip.logLines().filter((l) => l.logger === 'zulip.analytics' && l.msg.startsWith('Analytics upload failed'));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'Analytics upload failed: PushNotificationBouncerError: Push notifications bouncer error: Zulip server auth failure'],
      [40, 'Analytics upload failed: PushNotificationBouncerError: Push notifications bouncer error: Zulip server auth failure'],
    ]);
  });

  it('should stop at once on a real clock, without waiting for the timer', async () => {
    await start();
    await zulip.registerServer({ agreeToTermsOfService: true });
    const realJob = startAnalyticsJob({ ...zulip.context, clock: new RealClock() }, { intervalMs: 30 });
    expect(await realJob.nextRun()).toMatchObject({ outcome: 'uploaded' });
    const pending = realJob.nextRun();
    realJob.stop();
    expect(await pending).toBeNull();
    const runs = realJob.runs;
    await new Promise((r) => setTimeout(r, 100));
    expect(realJob.runs).toBe(runs);
  });
});

describe('the push status from the upload (plan gating, §8)', () => {
  it('should mirror can_push: false for 11 humans without a plan, true for 10', async () => {
    await start({
      realms: [
        { subdomain: '', roles: { member: 6 } }, // 1+1+1+6+1 = 10 humans (the guest counts)
        { subdomain: 'big', roles: { member: 7 } }, // 11 humans
      ],
    });
    const [ten, eleven] = zulip.realms();
    expect(zulip.users(ten!.id).filter((u) => !u.isBot)).toHaveLength(10);
    expect(zulip.users(eleven!.id).filter((u) => !u.isBot)).toHaveLength(11);
    zulip.state.updateRealm(eleven!.id, { pushNotificationsEnabled: true });

    const outcome = await zulip.registerServer({ agreeToTermsOfService: true });

    expect(outcome.upload).toMatchObject({ outcome: 'uploaded' });
    expect(zulip.state.realm(ten!.id).pushNotificationsEnabled).toBe(true);
    expect(zulip.state.realm(eleven!.id).pushNotificationsEnabled).toBe(false);
    expect(zulip.context.pushesLastWorkingAt).toBe(clock.now());

    // One more human in the small realm: after the next upload it is over the limit too.
    zulip.world.addUser(ten!);
    clock.advance(60_000);
    await sendServerDataToPushBouncer(zulip.context, { considerUsageStatistics: false });
    expect(zulip.state.realm(ten!.id).pushNotificationsEnabled).toBe(false);
  });
});
