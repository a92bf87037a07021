/**
 * A hostname belongs to one registration. A machine that lost the original credentials (a
 * reinstall: generate_secrets.py wrote a fresh zulip_org_id and key) cannot register the same
 * hostname again: the bouncer refuses with HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR and
 * `register_server` prints Zulip's advice to use --registration-transfer (seed: "Transferring
 * your registration if you lost the original credentials"; bouncer-protocol.md §3.1 step 6).
 */
import { HOSTNAME_IN_USE_ADVICE, RegisterServerError } from '../../simulator/zulip-server/register-server';
import { newServerIdentity, startWorld, type World } from '../../harness/world';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.registerServer();
});
afterAll(() => world.stop());

it('should refuse a second registration of the hostname, with the --registration-transfer advice', async () => {
  const original = world.credentials();
  const fresh = world.loseCredentials();

  const printed: string[] = [];
  const error = await world.registerServer({ print: (line) => printed.push(line) }).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(RegisterServerError);
  expect(error).toMatchObject({
    message: 'Error received from the push notification service: "A server with hostname zulip.example.net already exists"',
    code: 'HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR',
    status: 400,
  });
  expect(printed.join('\n')).toContain(HOSTNAME_IN_USE_ADVICE);
  expect(HOSTNAME_IN_USE_ADVICE).toContain('with the --registration-transfer flag');
  // Nothing changed at the bouncer: the original registration still owns the hostname.
  expect(world.bouncer.query('SELECT uuid, hostname FROM remote_zulip_server')).toEqual([{ uuid: original.uuid, hostname: 'zulip.example.net' }]);
  expect(world.credentials()).toEqual(fresh);
});

it('should answer any other newcomer for the hostname with the code and the hostname', async () => {
  const other = newServerIdentity();
  const { status, body } = await world.bouncer.call('POST', '/api/v1/remotes/server/register', {
    form: { zulip_org_id: other.uuid, zulip_org_key: other.key, hostname: 'zulip.example.net', contact_email: 'admin@zulip.com' },
  });

  expect({ status, body }).toEqual({
    status: 400,
    body: {
      result: 'error',
      msg: 'A server with hostname zulip.example.net already exists',
      code: 'HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR',
      hostname: 'zulip.example.net',
    },
  });
});
