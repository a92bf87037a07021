/**
 * `manage.py register_server` against the real simulated bouncer over HTTP (bouncer-protocol.md
 * §3.1, §3.2, §10; the seed's "Signing up", "Updating your server's registration",
 * "Deactivating your server's registration").
 */
import fs from 'node:fs';
import { tempDir } from '../../../harness/testing/temp-dir';
import { call } from '../../../harness/http-client';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import { VirtualClock } from '../../core/clock';
import { createCertificateAuthority } from '../../core/tls';
import { startZulipServer, type ZulipServerHandle } from '..';
import { sendServerDataToPushBouncer } from '../analytics';
import { parseIniSection } from '../secrets-file';
import { registerServer, RegisterServerError, TOS_NOTICE, TOS_NOT_ACCEPTED, TOS_QUESTION } from '../register-server';
import type { RealmSpec } from '../world';

const ca = createCertificateAuthority();
let clock: VirtualClock;
let bouncer: BouncerHandle;
const servers: ZulipServerHandle[] = [];

beforeEach(async () => {
  clock = new VirtualClock();
  bouncer = await startBouncer({ clock, database: 'memory' });
});

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  await bouncer.stop();
});

async function zulipServer(opts: { seed?: number; realms?: RealmSpec[] } = {}): Promise<ZulipServerHandle> {
  const zulip = await startZulipServer({
    dataDir: tempDir('zpg-register-'),
    clock,
    ca,
    seed: opts.seed ?? 1,
    realms: opts.realms,
    analyticsJob: false,
    settings: { servicesUrl: bouncer.url },
  });
  servers.push(zulip);
  return zulip;
}

const secretsOf = (zulip: ZulipServerHandle) => {
  const s = parseIniSection(fs.readFileSync(zulip.secretsFile, 'utf8'), 'secrets');
  return { id: s.get('zulip_org_id')!, key: s.get('zulip_org_key')! };
};

/** `METHOD path status` of every bouncer request so far, from its access log. */
function bouncerRequests(): string[] {
  return bouncer
    .logLines()
    .filter((l) => l.logger === 'zulip.requests')
    .map((l) => /^\S+\s+(\S+)\s+(\d{3})\s+\S+\s+(\S+)/.exec(l.msg))
    .filter((m): m is RegExpExecArray => m !== null && m[3]!.startsWith('/api/v1/remotes/'))
    .map((m) => `${m[1]} ${m[3]!.replace('/api/v1/remotes/', '')} ${m[2]}`);
}

const registeredServers = () =>
  bouncer.query<{ uuid: string; hostname: string; contact_email: string; api_key: string; deactivated: number }>(
    'SELECT uuid, hostname, contact_email, api_key, deactivated FROM remote_zulip_server',
  );

describe('register_server', () => {
  it('should abort with a clear message and send nothing when no one can accept the Terms of Service', async () => {
    const zulip = await zulipServer();
    const { id, key } = secretsOf(zulip);
    const printed: string[] = [];

    const outcome = await zulip.registerServer({ print: (l) => printed.push(l) });

    expect(outcome.action).toBe('aborted');
    expect(outcome.output).toEqual(printed);
    expect(printed).toEqual(
      expect.arrayContaining([
        "* This server's configured hostname: zulip.example.net",
        "* This server's configured contact email address: admin@zulip.com",
        `* This server's registration ID (zulip_org_id): ${id}`,
        TOS_NOTICE,
        TOS_NOT_ACCEPTED,
      ]),
    );
    expect(printed.join('\n')).not.toContain(key);
    expect(bouncerRequests()).toEqual([]);
    expect(registeredServers()).toEqual([]);
  });

  it('should ask the question and only register when the answer is yes', async () => {
    const zulip = await zulipServer();
    const questions: string[] = [];

    const declined = await zulip.registerServer({ prompt: async (q) => (questions.push(q), 'n') });
    expect(declined.action).toBe('aborted');
    expect(questions).toEqual([TOS_QUESTION]);
    expect(bouncerRequests()).toEqual([]);

    const accepted = await zulip.registerServer({ prompt: async () => '' });
    expect(accepted).toMatchObject({ action: 'registered', created: true });
    expect(registeredServers()).toHaveLength(1);
  });

  it('should register with the flag and follow up with the metadata upload', async () => {
    const zulip = await zulipServer();
    const { id, key } = secretsOf(zulip);

    const outcome = await zulip.registerServer({ agreeToTermsOfService: true });

    expect(outcome).toMatchObject({ action: 'registered', created: true, upload: { outcome: 'uploaded' } });
    expect(outcome.output).toContain('Your server is now registered for the Mobile Push Notification Service!');
    expect(outcome.output).not.toContain(TOS_NOTICE);
    expect(registeredServers()).toEqual([
      { uuid: id, hostname: 'zulip.example.net', contact_email: 'admin@zulip.com', api_key: key, deactivated: 0 },
    ]);
    // server/register, then send_server_data_to_push_bouncer(consider_usage_statistics=False).
    expect(bouncerRequests()).toEqual(['POST server/register 200', 'GET server/analytics/status 200', 'POST server/analytics 200']);
    const realms = bouncer.query<{ uuid: string; host: string }>('SELECT uuid, host FROM remote_realm');
    expect(realms).toEqual(zulip.realms().map((r) => ({ uuid: r.uuid, host: r.host })));
    // Billing audit rows (role counts) went; usage counts did not.
    expect(bouncer.query<{ n: number }>('SELECT count(*) AS n FROM remote_realm_audit_log WHERE remote_id IS NOT NULL')[0]!.n).toBeGreaterThan(0);
    expect(bouncer.query<{ n: number }>('SELECT count(*) AS n FROM remote_realm_count')[0]!.n).toBe(0);
    // 6 humans, no plan: the bouncer says can_push, mirrored into the realm.
    expect(zulip.realms().map((r) => r.pushNotificationsEnabled)).toEqual([true]);
    expect(zulip.context.pushesLastWorkingAt).toBe(clock.now());
  });

  it('should update the registration when run again', async () => {
    const zulip = await zulipServer();
    await zulip.registerServer({ agreeToTermsOfService: true });
    zulip.updateSettings({ zulipAdministrator: 'ops@zulip.com' });

    const again = await zulip.registerServer({ agreeToTermsOfService: true });

    expect(again).toMatchObject({ action: 'updated', created: false, upload: { outcome: 'uploaded' } });
    expect(again.output).toContain('Mobile Push Notification Service registration successfully updated!');
    expect(registeredServers()).toMatchObject([{ uuid: secretsOf(zulip).id, contact_email: 'ops@zulip.com' }]);
  });

  it('should rotate the key without asking, write it to the secrets file, and retire the old one', async () => {
    const zulip = await zulipServer();
    await zulip.registerServer({ agreeToTermsOfService: true });
    const before = secretsOf(zulip);

    const outcome = await zulip.registerServer({ rotateKey: true });

    const after = secretsOf(zulip);
    expect(outcome).toMatchObject({ action: 'rotated', created: false, upload: { outcome: 'uploaded' } });
    expect(outcome.output).not.toContain(TOS_NOTICE);
    expect(outcome.output).toContain(`Success! Updating ${zulip.secretsFile} with the new key...`);
    expect(after.id).toBe(before.id);
    expect(after.key).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(after.key).not.toBe(before.key);
    expect(fs.statSync(zulip.secretsFile).mode & 0o777).toBe(0o600);
    expect(registeredServers()).toMatchObject([{ uuid: before.id, api_key: after.key }]);

    const stale = await call(bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { auth: { uuid: before.id, key: before.key } });
    expect(stale.status).toBe(401);
    expect(stale.body.msg).toBe(`Zulip server auth failure: key does not match role ${before.id}`);
    const fresh = await call(bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { auth: { uuid: after.id, key: after.key } });
    expect(fresh.status).toBe(200);

    const text = outcome.output.join('\n') + fs.readFileSync(zulip.logFile, 'utf8');
    expect(text).not.toContain(before.key);
    expect(text).not.toContain(after.key);
  });

  it('should deactivate, after which the bouncer refuses everything', async () => {
    const zulip = await zulipServer();
    await zulip.registerServer({ agreeToTermsOfService: true });

    const outcome = await zulip.registerServer({ deactivate: true });
    expect(outcome).toEqual({ action: 'deactivated', output: ['Mobile Push Notification Service registration successfully deactivated!'] });
    expect(registeredServers()).toMatchObject([{ deactivated: 1 }]);

    const deactivatedMsg = 'The mobile push notification service registration for your server has been deactivated';
    const reregister = await zulip.registerServer({ agreeToTermsOfService: true }).catch((e: unknown) => e);
    expect(reregister).toBeInstanceOf(RegisterServerError);
    expect(reregister).toMatchObject({
      message: `Error received from the push notification service: "${deactivatedMsg}"`,
      code: 'REALM_DEACTIVATED',
      status: 401,
      bouncerMsg: deactivatedMsg,
    });
    const again = await zulip.registerServer({ deactivate: true }).catch((e: unknown) => e);
    expect(again).toMatchObject({ message: deactivatedMsg, code: 'UNAUTHORIZED', status: 401 });
    const upload = await sendServerDataToPushBouncer(zulip.context, { considerUsageStatistics: false });
    expect(upload).toMatchObject({ outcome: 'failed', stage: 'status', error: { status: 401, message: deactivatedMsg } });
    expect(bouncerRequests().slice(-4)).toEqual([
      'POST server/deactivate 200',
      'POST server/register 401',
      'POST server/deactivate 401',
      'GET server/analytics/status 401',
    ]);
  });

  it('should advise --registration-transfer when the hostname is already registered by another server', async () => {
    const first = await zulipServer({ seed: 1 });
    await first.registerServer({ agreeToTermsOfService: true });
    const second = await zulipServer({ seed: 2 });

    const error = await second.registerServer({ agreeToTermsOfService: true }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RegisterServerError);
    const e = error as RegisterServerError;
    expect(e.code).toBe('HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR');
    expect(e.message).toBe('Error received from the push notification service: "A server with hostname zulip.example.net already exists"');
    expect(e.output.join('\n')).toContain('you can run manage.py register_server \nwith the --registration-transfer flag.');
    // Nothing was uploaded for the refused server.
    expect(registeredServers()).toHaveLength(1);
    expect(bouncerRequests().slice(-1)).toEqual(['POST server/register 400']);
  });

  it('should refuse conflicting flags and a paused service before sending anything', async () => {
    const zulip = await zulipServer();
    await expect(registerServer(zulip.context, { rotateKey: true, deactivate: true })).rejects.toThrow(
      'argument --deactivate: not allowed with argument --rotate-key',
    );
    zulip.updateSettings({ servicesUrl: null });
    await expect(zulip.registerServer({ agreeToTermsOfService: true })).rejects.toThrow(
      'ZULIP_SERVICES_URL is not set; was the default incorrectly overridden in /etc/zulip/settings.py?',
    );
    zulip.updateSettings({ servicesUrl: bouncer.url, pushNotifications: false });
    await expect(zulip.registerServer({ agreeToTermsOfService: true })).rejects.toThrow(
      'Please set ZULIP_SERVICE_PUSH_NOTIFICATIONS to True in /etc/zulip/settings.py',
    );
    expect(bouncerRequests()).toEqual([]);
  });
});
