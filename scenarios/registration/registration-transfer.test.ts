/**
 * `register_server --registration-transfer`: a machine that lost the original credentials but
 * answers on the registered hostname takes the registration over. The bouncer hands out a
 * 10-second verification secret, fetches it back from `https://<hostname>/…`, keeps the
 * zulip_org_id and issues a new key — the old one stops working (seed: "Transferring your
 * registration if you lost the original credentials"; bouncer-protocol.md §3.3). When the
 * proof fails — too late, no secret served, a host that is unknown, unreachable or without a
 * trusted certificate — the bouncer says exactly why and nothing changes.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Phone } from '../../simulator/devices/phone';
import { createCertificateAuthority, issueServerCertificate } from '../../simulator/core/tls';
import { newServerIdentity, SECOND, startWorld, type World } from '../../harness/world';
import type { Credentials } from '../../harness/http-client';

const TRANSFER = '/api/v1/remotes/server/register/transfer';
const VERIFY = '/api/v1/remotes/server/register/verify_challenge';

let world: World;
let phone: Phone;
/** A host on the simulated Internet whose certificate no CA the bouncer trusts has signed. */
let selfSigned: https.Server;

beforeAll(async () => {
  const stranger = createCertificateAuthority('A CA nobody trusts');
  const cert = issueServerCertificate(stranger, ['self-signed.example.org']);
  selfSigned = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => selfSigned.listen(0, '127.0.0.1', resolve));
  const port = (selfSigned.address() as AddressInfo).port;

  world = await startWorld({ transferHosts: { 'self-signed.example.org': { host: '127.0.0.1', port } } });
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'android');
});
afterAll(async () => {
  await world.stop();
  await new Promise((resolve) => selfSigned.close(resolve));
});

/** Another installation, registered directly with the bouncer under `hostname`. */
async function registerElsewhere(hostname: string): Promise<Credentials> {
  const other = newServerIdentity();
  const res = await world.bouncer.call('POST', '/api/v1/remotes/server/register', {
    form: { zulip_org_id: other.uuid, zulip_org_key: other.key, hostname, contact_email: 'admin@zulip.com' },
  });
  expect(res.status).toBe(200);
  return other;
}

const refusal = (msg: string) => ({ status: 400, body: { result: 'error', code: 'BAD_REQUEST', msg } });

it('should hand the registration to the machine on the hostname: same zulip_org_id, a new key, the old key refused', async () => {
  const original = world.credentials();
  const fresh = world.loseCredentials();

  const outcome = await world.registerServer({ registrationTransfer: true });

  expect(outcome).toMatchObject({ action: 'transferred', upload: { outcome: 'uploaded' } });
  expect(outcome.output).toContain('Mobile Push Notification Service registration successfully transferred.');
  const now = world.credentials();
  expect(now.uuid).toBe(original.uuid);
  expect([original.key, fresh.key]).not.toContain(now.key);
  expect(world.bouncer.query('SELECT event_type FROM remote_zulip_server_audit_log ORDER BY id')).toEqual([{ event_type: 10215 }, { event_type: 10216 }]);
  expect(world.bouncer.logLines().map((l) => l.msg)).toContain('verify_registration_transfer:host:zulip.example.net|success');

  // "if you still have an old server running using the service, it will lose access"
  const old = await world.bouncer.call('GET', '/api/v1/remotes/server/analytics/status', { auth: original });
  expect(old.body).toMatchObject({ code: 'UNAUTHORIZED', msg: `Zulip server auth failure: key does not match role ${original.uuid}` });

  const { hamlet, othello } = world.people;
  const m = await world.send(othello, { to: [hamlet] });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
});

it('should refuse a verification that arrives more than 10 s after the secret was issued', async () => {
  const before = world.credentials();
  // The signer stamps whole seconds: issued at T+0.6 s it says T, and 9.7 s later it is 10.3 s
  // old to the bouncer, while the host's own 10 s copy is still being served.
  await world.advance(600);

  await expect(world.registerServer({ registrationTransfer: true, beforeVerify: () => world.advance(9.7 * SECOND) })).rejects.toMatchObject({
    message: 'Error received from the push notification service: "The verification secret has expired"',
    status: 400,
  });
  expect(world.credentials()).toEqual(before);
});

it('should refuse a verification when the host no longer serves the secret', async () => {
  const before = world.credentials();

  await expect(world.registerServer({ registrationTransfer: true, beforeVerify: () => world.advance(11 * SECOND) })).rejects.toMatchObject({
    message: 'Error received from the push notification service: "The host reported it has no verification secret."',
  });
  expect(world.credentials()).toEqual(before);
  expect((await world.bouncer.callAsServer('GET', '/api/v1/remotes/server/analytics/status')).status).toBe(200);
});

it('should refuse to transfer a hostname no one registered', async () => {
  expect(await world.bouncer.call('POST', TRANSFER, { form: { hostname: 'unknown.example.org' } })).toMatchObject(refusal('unknown.example.org not yet registered'));
  expect(await world.bouncer.call('POST', VERIFY, { form: { hostname: 'unknown.example.org', access_token: 'x'.repeat(43) } })).toMatchObject(
    refusal('Registration not found for this hostname'),
  );
});

it('should refuse a transfer when the host cannot be reached from the Internet', async () => {
  const offline = await registerElsewhere('offline.example.org');
  expect((await world.bouncer.call('POST', TRANSFER, { form: { hostname: 'offline.example.org' } })).body).toMatchObject({ verification_secret: expect.stringMatching(/^[0-9A-F]+$/) });

  const res = await world.bouncer.call('POST', VERIFY, { form: { hostname: 'offline.example.org', access_token: 'x'.repeat(43) } });

  expect(res).toMatchObject(refusal('Connection error occurred while communicating with the host.'));
  expect((await world.bouncer.call('GET', '/api/v1/remotes/server/analytics/status', { auth: offline })).status).toBe(200);
});

it('should refuse a transfer when the host has no trusted TLS certificate', async () => {
  const untrusted = await registerElsewhere('self-signed.example.org');

  const res = await world.bouncer.call('POST', VERIFY, { form: { hostname: 'self-signed.example.org', access_token: 'x'.repeat(43) } });

  expect(res).toMatchObject(refusal('SSL error occurred while communicating with the host.'));
  expect((await world.bouncer.call('GET', '/api/v1/remotes/server/analytics/status', { auth: untrusted })).status).toBe(200);
});
