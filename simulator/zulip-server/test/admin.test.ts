/**
 * The fake server's loopback admin surface (`/__admin/…`, http/routes/admin.ts) over HTTPS,
 * against the real simulated bouncer.
 */
import https from 'node:https';
import { tempDir } from '../../../harness/testing/temp-dir';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import { RequestParams } from '../../bouncer/http/params';
import { VirtualClock } from '../../core/clock';
import { isJsonableError } from '../../core/errors';
import { createCertificateAuthority } from '../../core/tls';
import { startZulipServer, type ZulipServerHandle } from '..';
import { adminRoutes } from '../http/routes/admin';
import { TOS_NOT_ACCEPTED, TOS_NOTICE, TOS_QUESTION } from '../register-server';

const ca = createCertificateAuthority();
let clock: VirtualClock;
let bouncer: BouncerHandle;
let zulip: ZulipServerHandle;

beforeEach(async () => {
  clock = new VirtualClock();
  bouncer = await startBouncer({ clock, database: 'memory' });
  zulip = await startZulipServer({ dataDir: tempDir('zpg-admin-'), clock, ca, analyticsJob: false, settings: { servicesUrl: bouncer.url } });
});

afterEach(async () => {
  await zulip.stop();
  await bouncer.stop();
});

interface Answer {
  status: number;
  body: Record<string, any>;
  text: string;
}

function admin(method: string, path: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${zulip.url}/__admin${path}`,
      { method, ca: zulip.caCertPem, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, any>, text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const orgKey = () => zulip.context.secrets.credentials()!.zulipOrgKey;
const serverCount = () => bouncer.query<{ n: number }>('SELECT count(*) AS n FROM remote_zulip_server')[0]!.n;

describe('/__admin/settings', () => {
  it('should show and change settings.py, never the org key', async () => {
    const shown = await admin('GET', '/settings');
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      result: 'success',
      settings: { externalHost: 'zulip.example.net', servicesUrl: bouncer.url, pushNotifications: true, submitUsageStatistics: true },
      analyticsUploadLevel: 'ALL',
      paused: false,
      zulipOrgId: zulip.context.secrets.credentials()!.zulipOrgId,
      hasCredentials: true,
    });
    expect(shown.text).not.toContain(orgKey());

    const paused = await admin('PATCH', '/settings', { servicesUrl: null, submitUsageStatistics: false });
    expect(paused.body).toMatchObject({ paused: true, analyticsUploadLevel: 'BILLING', settings: { servicesUrl: null } });
    expect(zulip.settings().servicesUrl).toBeNull();
    expect(zulip.context.settings().submitUsageStatistics).toBe(false);
    const upload = await admin('POST', '/analytics/upload', {});
    expect(upload.body).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('paused') });

    expect((await admin('PATCH', '/settings', { analyticsUploadLevel: 'NONE' })).body.analyticsUploadLevel).toBe('NONE');
    expect((await admin('PATCH', '/settings', { analyticsUploadLevel: null })).body.analyticsUploadLevel).toBe('BILLING');
    expect((await admin('PATCH', '/settings', { servicesUrl: bouncer.url, pushNotifications: true })).body.paused).toBe(false);

    expect(await admin('PATCH', '/settings', { externalHost: 'elsewhere.example' })).toMatchObject({
      status: 400,
      body: { result: 'error', msg: 'Unknown field(s): externalHost', code: 'BAD_REQUEST' },
    });
    expect((await admin('PATCH', '/settings', { pushNotifications: 'yes' })).body.msg).toBe('pushNotifications must be a boolean');
    expect((await admin('PATCH', '/settings', '{not json')).body.msg).toBe('Malformed JSON');
  });
});

describe('/__admin/register_server', () => {
  it('should preview, refuse without agreement, then register and upload', async () => {
    const preview = await admin('GET', '/register_server');
    expect(preview.body).toMatchObject({ tosNotice: TOS_NOTICE, tosQuestion: TOS_QUESTION });
    expect(preview.body.output).toContain("* This server's configured hostname: zulip.example.net");

    const aborted = await admin('POST', '/register_server', {});
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ action: 'aborted', created: null });
    expect(aborted.body.output.slice(-2)).toEqual([TOS_NOTICE, TOS_NOT_ACCEPTED]);
    expect(serverCount()).toBe(0);

    const registered = await admin('POST', '/register_server', { agreeToTermsOfService: true });
    expect(registered.body).toMatchObject({
      result: 'success',
      action: 'registered',
      created: true,
      upload: { outcome: 'uploaded', sent: { realm_counts: 0, installation_counts: 0, realms: 1 }, realms: [{ pushNotificationsEnabled: true }] },
    });
    expect(serverCount()).toBe(1);

    const rotated = await admin('POST', '/register_server', { rotateKey: true });
    expect(rotated.body).toMatchObject({ action: 'rotated', created: false });
    for (const a of [preview, aborted, registered, rotated]) expect(a.text).not.toContain(orgKey());
  });

  it("should answer failures in Zulip's envelope with the command's message and output", async () => {
    const conflict = await admin('POST', '/register_server', { rotateKey: true, deactivate: true });
    expect(conflict).toMatchObject({
      status: 400,
      body: { result: 'error', msg: 'argument --deactivate: not allowed with argument --rotate-key', code: 'BAD_REQUEST', output: [] },
    });
    expect((await admin('POST', '/register_server', { rotateKey: 1 })).body.msg).toBe('rotateKey must be a boolean');

    await admin('POST', '/register_server', { agreeToTermsOfService: true });
    expect((await admin('POST', '/register_server', { deactivate: true })).body).toMatchObject({ action: 'deactivated' });
    const refused = await admin('POST', '/register_server', { agreeToTermsOfService: true });
    const msg = 'The mobile push notification service registration for your server has been deactivated';
    expect(refused).toMatchObject({
      status: 400,
      body: {
        result: 'error',
        msg: `Error received from the push notification service: "${msg}"`,
        code: 'REALM_DEACTIVATED',
        bouncer_msg: msg,
        output: expect.arrayContaining(["* This server's configured hostname: zulip.example.net"]),
      },
    });

    const upload = await admin('POST', '/analytics/upload', { considerUsageStatistics: true });
    expect(upload.body).toMatchObject({ outcome: 'failed', stage: 'status', error: { name: 'BouncerJsonableError', msg, code: 'UNAUTHORIZED' } });
  });
});

describe('/__admin/analytics/upload', () => {
  it('should run send_server_data_to_push_bouncer with or without usage statistics', async () => {
    await zulip.registerServer({ agreeToTermsOfService: true });
    const realm = zulip.realms()[0]!;
    zulip.state.incrementRealmCount(realm.id, 'messages_sent:message_type:day', 3, clock.now());

    const metadataOnly = await admin('POST', '/analytics/upload', {});
    expect(metadataOnly.body).toMatchObject({ outcome: 'uploaded', recordCount: 0, sent: { realm_counts: 0 } });
    const withStats = await admin('POST', '/analytics/upload', { considerUsageStatistics: true });
    expect(withStats.body).toMatchObject({ outcome: 'uploaded', recordCount: 1, sent: { realm_counts: 1 } });
    expect(withStats.text).not.toContain(realm.uuidOwnerSecret);
  });
});

describe('/__admin/world and /__admin/realms/:id', () => {
  it('should list realms and users with their API keys, and set require_e2ee_push_notifications', async () => {
    const world = await admin('GET', '/world');
    const realm = zulip.realms()[0]!;
    expect(world.body.realms).toEqual([
      {
        id: realm.id,
        uuid: realm.uuid,
        host: 'zulip.example.net',
        url: 'https://zulip.example.net',
        name: realm.name,
        pushNotificationsEnabled: false,
        pushNotificationsEnabledEndTimestamp: null,
        requireE2eePushNotifications: false,
      },
    ]);
    expect(world.body.users).toHaveLength(7);
    for (const u of world.body.users as { id: number; apiKey: string; isBot: boolean }[]) {
      expect(u.apiKey).toBe(zulip.state.apiKeyOf(u.id));
    }
    expect(world.body.users.filter((u: { isBot: boolean }) => u.isBot)).toHaveLength(1);

    const patched = await admin('PATCH', `/realms/${realm.id}`, { requireE2eePushNotifications: true });
    expect(patched.body.realm).toMatchObject({ id: realm.id, requireE2eePushNotifications: true });
    expect(zulip.state.realm(realm.id).requireE2eePushNotifications).toBe(true);
    expect(await admin('PATCH', '/realms/99', { requireE2eePushNotifications: true })).toMatchObject({
      status: 404,
      body: { msg: 'No such realm', code: 'NOT_FOUND' },
    });
    expect((await admin('DELETE', `/realms/${realm.id}`)).status).toBe(405);
  });

  it('should refuse callers that are not on loopback', async () => {
    const route = adminRoutes.find((r) => r.path === '/__admin/world')!;
    const request = {
      method: 'GET',
      path: '/__admin/world',
      headers: {},
      params: new RequestParams(new URLSearchParams(), new URLSearchParams()),
      pathParams: {},
      ip: '192.0.2.7',
    };
    const handler = route.methods.GET as (req: typeof request, ctx: typeof zulip.context) => unknown;
    let error: unknown;
    try {
      await handler(request, zulip.context);
    } catch (e) {
      error = e;
    }
    expect(isJsonableError(error)).toBe(true);
    expect(error).toMatchObject({ status: 403, message: 'The admin surface answers loopback clients only' });
    expect(await handler({ ...request, ip: '::ffff:127.0.0.1' }, zulip.context)).toMatchObject({ realms: expect.any(Array) });
  });
});
