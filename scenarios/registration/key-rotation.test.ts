/**
 * `register_server --rotate-key` generates a new zulip_org_key, registers it with the bouncer and
 * writes it into zulip-secrets.conf. The old key dies at once — every authenticated endpoint
 * answers 401 with Zulip's exact message, server/register answers INVALID_ZULIP_SERVER — while
 * pushes carry on with the new key (seed: "Updating your server's registration";
 * bouncer-protocol.md §2, §3.1).
 */
import type { Phone } from '../../simulator/devices/phone';
import type { Credentials } from '../../harness/http-client';
import { startWorld, type World } from '../../harness/world';

let world: World;
let phone: Phone;
let oldKey: Credentials;

beforeAll(async () => {
  world = await startWorld();
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'ios');
  oldKey = world.credentials();
});
afterAll(() => world.stop());

it('should write a new key into the secrets file and keep the registration', async () => {
  const outcome = await world.registerServer({ rotateKey: true });

  expect(outcome).toMatchObject({ action: 'rotated', created: false, upload: { outcome: 'uploaded' } });
  expect(outcome.output).toContain(`Success! Updating ${world.stack.zulip.secretsFile} with the new key...`);
  const now = world.credentials();
  expect(now.uuid).toBe(oldKey.uuid);
  expect(now.key).toMatch(/^[A-Za-z0-9]{64}$/);
  expect(now.key).not.toBe(oldKey.key);
  expect(outcome.output.join('\n')).not.toContain(now.key);
});

it.each([
  ['GET', '/api/v1/remotes/server/analytics/status'],
  ['POST', '/api/v1/remotes/push/notify'],
  ['POST', '/api/v1/remotes/server/deactivate'],
])('should refuse the old key on %s %s with 401 "key does not match role"', async (method, path) => {
  const res = await world.bouncer.call(method, path, { auth: oldKey, json: method === 'POST' ? {} : undefined });

  expect(res.status).toBe(401);
  expect(res.body).toEqual({ result: 'error', code: 'UNAUTHORIZED', msg: `Zulip server auth failure: key does not match role ${oldKey.uuid}` });
  expect(res.headers.get('www-authenticate')).toBe('Basic realm="zulip"');
});

it('should refuse the old key on server/register with INVALID_ZULIP_SERVER and the role', async () => {
  const res = await world.bouncer.call('POST', '/api/v1/remotes/server/register', {
    form: { zulip_org_id: oldKey.uuid, zulip_org_key: oldKey.key, hostname: 'zulip.example.net', contact_email: 'admin@zulip.com' },
  });

  expect({ status: res.status, body: res.body }).toEqual({
    status: 400,
    body: { result: 'error', code: 'INVALID_ZULIP_SERVER', msg: `Zulip server auth failure: key does not match role ${oldKey.uuid}`, role: oldKey.uuid },
  });
});

it('should keep delivering pushes with the new key', async () => {
  const { hamlet, othello } = world.people;
  const m = await world.send(othello, { to: [hamlet] });

  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
  expect((await world.bouncer.callAsServer('GET', '/api/v1/remotes/server/analytics/status')).status).toBe(200);
});
