/**
 * A registration carries the server's hostname and contact email (EXTERNAL_HOST and
 * ZULIP_ADMINISTRATOR); running `manage.py register_server` again after changing them updates
 * the registration in place — same zulip_org_id, same key, pushes uninterrupted (seed:
 * "Updating your server's registration"; bouncer-protocol.md §3.1 "Existing server").
 */
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';

let world: World;
let phone: Phone;

beforeAll(async () => {
  world = await startWorld();
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'android');
});
afterAll(() => world.stop());

it('should update the hostname and contact email of the same registration', async () => {
  const before = world.bouncer.server()!;
  const credentials = world.credentials();

  world.configure({ externalHost: 'chat.zulip.example.net', zulipAdministrator: 'ops@zulipchat.com' });
  const outcome = await world.registerServer();

  expect(outcome).toMatchObject({ action: 'updated', created: false, upload: { outcome: 'uploaded' } });
  expect(outcome.output).toContain('Mobile Push Notification Service registration successfully updated!');
  expect(world.credentials()).toEqual(credentials);
  expect(world.bouncer.server()).toEqual({ ...before, hostname: 'chat.zulip.example.net', contact_email: 'ops@zulipchat.com' });
  expect(world.bouncer.query('SELECT count(*) AS n FROM remote_zulip_server')).toEqual([{ n: 1 }]);
});

it('should keep delivering pushes to the phones registered before', async () => {
  const { hamlet, othello } = world.people;
  const m = await world.send(othello, { to: [hamlet] });

  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
});

it('should refuse an update whose new contact email is not deliverable, and keep the old one', async () => {
  world.configure({ zulipAdministrator: 'ops@example.com' });

  await expect(world.registerServer()).rejects.toMatchObject({
    message: 'Error received from the push notification service: "Invalid server administrator email address: example.com is not a valid email domain."',
    status: 400,
  });
  expect(world.bouncer.server()).toMatchObject({ contact_email: 'ops@zulipchat.com' });
});
