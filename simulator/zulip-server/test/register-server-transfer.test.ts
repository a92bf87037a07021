/**
 * Registration transfer (bouncer-protocol.md §3.3; the seed's "Transferring your registration if
 * you lost the original credentials"): a second machine with the same EXTERNAL_HOST and fresh
 * secrets takes the registration over, the bouncer proving control of the hostname by fetching
 * `https://<EXTERNAL_HOST>/api/v1/zulip-services/verify/<access_token>/` from it. Also the
 * verify endpoint itself.
 */
import fs from 'node:fs';
import https from 'node:https';
import { tempDir } from '../../../harness/testing/temp-dir';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import type { HostAddress } from '../../bouncer/transfer/https-host-client';
import { VirtualClock } from '../../core/clock';
import { createCertificateAuthority } from '../../core/tls';
import { startZulipServer, type ZulipServerHandle } from '..';
import { sendServerDataToPushBouncer } from '../analytics';
import { RegisterServerError } from '../register-server';
import { parseIniSection } from '../secrets-file';
import { prepareTransferChallenge } from '../transfer-challenge';

const ca = createCertificateAuthority();
let clock: VirtualClock;
let bouncer: BouncerHandle;
/** Where the bouncer's transfer verification finds each hostname (the "DNS" of this test). */
const hosts = new Map<string, HostAddress>();
const servers: ZulipServerHandle[] = [];

beforeEach(async () => {
  clock = new VirtualClock();
  hosts.clear();
  bouncer = await startBouncer({
    clock,
    database: 'memory',
    transferHosts: { hosts: (name) => hosts.get(name.toLowerCase()), caCertsPem: [ca.certPem] },
  });
});

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  await bouncer.stop();
});

async function zulipServer(seed: number): Promise<ZulipServerHandle> {
  const zulip = await startZulipServer({
    dataDir: tempDir('zpg-transfer-'),
    clock,
    ca,
    seed,
    analyticsJob: false,
    settings: { servicesUrl: bouncer.url },
  });
  servers.push(zulip);
  return zulip;
}

/** EXTERNAL_HOST now points at this machine. */
const pointHostnameAt = (zulip: ZulipServerHandle) => hosts.set(zulip.externalHost, { host: '127.0.0.1', port: zulip.port });

const secretsOf = (zulip: ZulipServerHandle) => {
  const s = parseIniSection(fs.readFileSync(zulip.secretsFile, 'utf8'), 'secrets');
  return { id: s.get('zulip_org_id')!, key: s.get('zulip_org_key')! };
};

const registeredServers = () =>
  bouncer.query<{ uuid: string; api_key: string; hostname: string }>('SELECT uuid, api_key, hostname FROM remote_zulip_server');

/** Every secret the server registered with its log redactor from now on. */
function captureSecrets(zulip: ZulipServerHandle): string[] {
  const seen: string[] = [];
  const original = zulip.context.addSecret;
  zulip.context.addSecret = (s) => {
    seen.push(s);
    original(s);
  };
  return seen;
}

function getVerify(zulip: ZulipServerHandle, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    https
      .get(`${zulip.url}${path}`, { ca: zulip.caCertPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      })
      .on('error', reject);
  });
}

describe('register_server --registration-transfer', () => {
  it('should move the registration to a new machine: uuid kept, new credentials in its secrets file', async () => {
    const oldMachine = await zulipServer(1);
    pointHostnameAt(oldMachine);
    await oldMachine.registerServer({ agreeToTermsOfService: true });
    const original = secretsOf(oldMachine);

    // The new machine: same EXTERNAL_HOST, fresh secrets; the hostname now resolves to it.
    const newMachine = await zulipServer(2);
    const fresh = secretsOf(newMachine);
    expect(fresh.id).not.toBe(original.id);
    pointHostnameAt(newMachine);
    const secrets = captureSecrets(newMachine);

    const outcome = await newMachine.registerServer({ agreeToTermsOfService: true, registrationTransfer: true });

    const transferred = secretsOf(newMachine);
    expect(outcome).toMatchObject({ action: 'transferred', created: false, upload: { outcome: 'uploaded' } });
    expect(transferred.id).toBe(original.id);
    expect(transferred.key).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(transferred.key).not.toBe(original.key);
    expect(transferred.key).not.toBe(fresh.key);
    expect(registeredServers()).toEqual([{ uuid: original.id, api_key: transferred.key, hostname: 'zulip.example.net' }]);
    expect(bouncer.query('SELECT event_type FROM remote_zulip_server_audit_log ORDER BY id')).toEqual([
      { event_type: 10215 },
      { event_type: 10216 },
    ]);
    expect(outcome.output).toEqual(
      expect.arrayContaining([
        'Received a verification secret from the service. Preparing to serve it at the verification URL.',
        'Sending ACK to the service and awaiting completion of verification...',
        'Success! Updating secrets file with received credentials.',
        'Mobile Push Notification Service registration successfully transferred.',
        'Proceeding to update the registration with current metadata...',
        'Mobile Push Notification Service registration successfully updated!',
      ]),
    );

    // The old machine's key is dead; the new one uploads under the preserved registration.
    const old = await sendServerDataToPushBouncer(oldMachine.context, { considerUsageStatistics: false });
    expect(old).toMatchObject({ outcome: 'failed', error: { status: 401 } });
    expect(bouncer.query<{ n: number }>('SELECT count(*) AS n FROM remote_realm WHERE uuid = ?', newMachine.realms()[0]!.uuid)[0]!.n).toBe(1);

    // The challenge is gone once the command finished.
    const token = secrets.find((s) => /^[A-Za-z0-9_-]{43}$/.test(s));
    expect(token).toBeDefined();
    expect((await getVerify(newMachine, `/api/v1/zulip-services/verify/${token}/`)).status).toBe(400);

    // Verification secret, access token and keys: registered as secrets, never printed or logged.
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const printedAndLogged = outcome.output.join('\n') + fs.readFileSync(newMachine.logFile, 'utf8') + fs.readFileSync(oldMachine.logFile, 'utf8');
    for (const s of [...secrets, original.key, fresh.key, transferred.key]) expect(printedAndLogged).not.toContain(s);
    // The only redactions in the server's log are the access log's paths, meant to hide the token:
    // the bouncer's fetch (200) and this test's late one (400). Nothing relied on the redactor.
    const redacted = newMachine.logLines().filter((l) => JSON.stringify(l).includes('[REDACTED]'));
    expect(redacted.map((l) => l.msg)).toEqual([
      expect.stringMatching(/ GET +200 +\S+ \/api\/v1\/zulip-services\/verify\/\[REDACTED\]\/ /),
      expect.stringMatching(/ GET +400 +\S+ \/api\/v1\/zulip-services\/verify\/\[REDACTED\]\/ /),
    ]);
  });

  it('should fail with the bouncer message when the secret is gone from the host by the time it is verified', async () => {
    const oldMachine = await zulipServer(1);
    await oldMachine.registerServer({ agreeToTermsOfService: true });
    const newMachine = await zulipServer(2);
    pointHostnameAt(newMachine);
    const before = secretsOf(newMachine);

    const error = await newMachine
      .registerServer({ agreeToTermsOfService: true, registrationTransfer: true, beforeVerify: () => void clock.advance(11_000) })
      .catch((e: unknown) => e);

    // Both 10 s lifetimes have passed; the host no longer serves the secret.
    expect(error).toBeInstanceOf(RegisterServerError);
    expect(error).toMatchObject({
      message: 'Error received from the push notification service: "The host reported it has no verification secret."',
      bouncerMsg: 'The host reported it has no verification secret.',
    });
    expect(secretsOf(newMachine)).toEqual(before);
    expect(registeredServers()).toMatchObject([{ uuid: secretsOf(oldMachine).id, api_key: secretsOf(oldMachine).key }]);
  });

  it("should fail with the bouncer's expiry message when its signed secret is older than 10 s", async () => {
    const oldMachine = await zulipServer(1);
    await oldMachine.registerServer({ agreeToTermsOfService: true });
    const newMachine = await zulipServer(2);
    pointHostnameAt(newMachine);
    // The signer stamps whole seconds: at T+0.6 s the secret says T; 9.7 s later it is 10.3 s old
    // to the bouncer while the host's 10 s challenge (stored at T+0.6 s) is still there.
    clock.advance(600);

    const error = await newMachine
      .registerServer({ agreeToTermsOfService: true, registrationTransfer: true, beforeVerify: () => void clock.advance(9_700) })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'CommandError',
      message: 'Error received from the push notification service: "The verification secret has expired"',
      status: 400,
    });
    expect(registeredServers()).toMatchObject([{ uuid: secretsOf(oldMachine).id, api_key: secretsOf(oldMachine).key }]);
  });

  it('should refuse to transfer a hostname the bouncer does not know', async () => {
    const zulip = await zulipServer(1);
    pointHostnameAt(zulip);
    await expect(zulip.registerServer({ agreeToTermsOfService: true, registrationTransfer: true })).rejects.toThrow(
      'Error received from the push notification service: "zulip.example.net not yet registered"',
    );
  });
});

describe('GET /api/v1/zulip-services/verify/<access_token>/', () => {
  const NOT_PREPARED = {
    result: 'error',
    msg: 'Verification secret not prepared',
    code: 'REMOTE_SERVER_VERIFICATION_SECRET_NOT_PREPARED',
  };

  it('should answer the secret for the right token only, and only for 10 s', async () => {
    const zulip = await zulipServer(1);
    const none = await getVerify(zulip, '/api/v1/zulip-services/verify/some-token-that-was-never-issued/');
    expect(none).toEqual({ status: 400, body: NOT_PREPARED });

    const token = prepareTransferChallenge(zulip.context, 'ABCDEF0123456789');
    expect(await getVerify(zulip, `/api/v1/zulip-services/verify/${token}/`)).toEqual({
      status: 200,
      body: { result: 'success', msg: '', verification_secret: 'ABCDEF0123456789' },
    });
    const wrong = await getVerify(zulip, `/api/v1/zulip-services/verify/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}/`);
    expect(wrong).toEqual({ status: 400, body: NOT_PREPARED });
    // Django's URL pattern has the trailing slash.
    expect((await getVerify(zulip, `/api/v1/zulip-services/verify/${token}`)).status).toBe(404);

    clock.advance(9_999);
    expect((await getVerify(zulip, `/api/v1/zulip-services/verify/${token}/`)).status).toBe(200);
    clock.advance(1);
    expect(await getVerify(zulip, `/api/v1/zulip-services/verify/${token}/`)).toEqual({ status: 400, body: NOT_PREPARED });

    const log = fs.readFileSync(zulip.logFile, 'utf8');
    expect(log).not.toContain(token);
    expect(log).not.toContain('ABCDEF0123456789');
  });

  it('should keep challenges of two servers in one process apart', async () => {
    const a = await zulipServer(1);
    const b = await zulipServer(2);
    const token = prepareTransferChallenge(a.context, 'FEEDFACE00000000');
    expect((await getVerify(a, `/api/v1/zulip-services/verify/${token}/`)).status).toBe(200);
    expect((await getVerify(b, `/api/v1/zulip-services/verify/${token}/`)).status).toBe(400);
  });
});
