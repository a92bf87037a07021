/**
 * `manage.py register_server` prints what it would share, asks the operator to accept the terms
 * of service, and only then registers — followed at once by the basic-metadata upload (seed:
 * "Signing up", "Security and privacy"; bouncer-protocol.md §3.1 "Client flow"). Nothing about
 * the terms reaches the bouncer: without an answer, or with a "no", nothing is sent at all.
 */
import { readText, startWorld, type World } from '../../harness/world';
import { TOS_NOT_ACCEPTED, TOS_NOTICE, TOS_QUESTION } from '../../simulator/zulip-server/register-server';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.stop());

/** The bouncer endpoints called so far, from its access log. */
const bouncerCalls = () =>
  world.bouncer
    .logLines()
    .map((l) => /^\S+\s+(GET|POST)\s+(\d{3})\s+\S+ (\/api\/v1\/remotes\/\S+)/.exec(String(l.msg)))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[3]} ${m[2]}`);

it('should show what will be shared, and send nothing when no one accepts the terms', async () => {
  const outcome = await world.registerServer({ agreeToTermsOfService: false });

  const { uuid, key } = world.credentials();
  expect(outcome.action).toBe('aborted');
  expect(outcome.output).toEqual(
    expect.arrayContaining([
      "* This server's configured hostname: zulip.example.net",
      "* This server's configured contact email address: admin@zulip.com",
      `* This server's registration ID (zulip_org_id): ${uuid}`,
      TOS_NOTICE,
      TOS_NOT_ACCEPTED,
    ]),
  );
  expect(outcome.output.join('\n')).not.toContain(key);
  expect(bouncerCalls()).toEqual([]);
  expect(world.bouncer.server()).toBeUndefined();
});

it('should send nothing when the operator answers "n"', async () => {
  const questions: string[] = [];
  const outcome = await world.registerServer({ agreeToTermsOfService: false, prompt: async (q) => (questions.push(q), 'n') });

  expect(questions).toEqual([TOS_QUESTION]);
  expect(outcome.action).toBe('aborted');
  expect(bouncerCalls()).toEqual([]);
});

it('should register and upload the basic metadata once the operator accepts', async () => {
  const outcome = await world.registerServer({ agreeToTermsOfService: false, prompt: async () => 'y' });

  expect(outcome).toMatchObject({ action: 'registered', created: true, upload: { outcome: 'uploaded' } });
  expect(outcome.output).toContain('Your server is now registered for the Mobile Push Notification Service!');
  expect(bouncerCalls()).toEqual([
    'POST /api/v1/remotes/server/register 200',
    'GET /api/v1/remotes/server/analytics/status 200',
    'POST /api/v1/remotes/server/analytics 200',
  ]);
  expect(world.bouncer.server()).toMatchObject({ hostname: 'zulip.example.net', contact_email: 'admin@zulip.com', deactivated: 0 });
  expect(world.bouncer.query('SELECT uuid, name FROM remote_realm')).toEqual([{ uuid: world.realm().uuid, name: world.realm().name }]);
  // The credentials stay where they were: in the server's zulip-secrets.conf, readable only by its owner.
  expect(readText(world.stack.zulip.secretsFile)).toContain(`zulip_org_id = ${world.credentials().uuid}`);
});

it('should not ask again with --agree-to-terms-of-service, and update the registration', async () => {
  const outcome = await world.registerServer({ agreeToTermsOfService: true, prompt: () => Promise.reject(new Error('asked')) });

  expect(outcome).toMatchObject({ action: 'updated', created: false });
  expect(outcome.output).not.toContain(TOS_NOTICE);
});
