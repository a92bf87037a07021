/**
 * The basic metadata every registered server uploads about each organisation it hosts: a subset
 * of `GET /server_settings` (host, URL, name, authentication methods — not the icon or the
 * description), the organisation type and creation date, and how many accounts hold each role
 * (seed: "Uploading basic metadata"; bouncer-protocol.md §10.2). The bouncer keeps the
 * organisations in step with the server, and the server's version with them.
 */
import { startWorld, type World } from '../../harness/world';

let world: World;
beforeAll(async () => {
  world = await startWorld({
    profile: 12,
    zulip: {
      realms: [
        { name: 'Elsinore' },
        { subdomain: 'lear', name: 'Lear & Daughters', orgType: 30, roles: { owner: 1, administrator: 0, moderator: 0, member: 3, guest: 2 }, bots: 2 },
      ],
    },
  });
});
afterAll(() => world.stop());

it('should send, for each organisation, only the basic metadata', async () => {
  const outcome = await world.registerServer();

  const sent = outcome.upload?.outcome === 'uploaded' ? outcome.upload.request : undefined;
  expect(sent?.realms?.map((r) => Object.keys(r).sort())).toEqual(
    Array(2).fill(['authentication_methods', 'date_created', 'deactivated', 'host', 'id', 'is_system_bot_realm', 'name', 'org_type', 'url', 'uuid', 'uuid_owner_secret']),
  );
  // Registering uploads no usage statistics.
  expect(sent).toMatchObject({ realm_counts: [], installation_counts: [] });
});

it('should keep each organisation at the bouncer as its server describes it', () => {
  const [elsinore, lear] = [world.realm(0), world.realm(1)];
  const rows = world.bouncer.query('SELECT uuid, host, name, org_type, realm_date_created, authentication_methods FROM remote_realm ORDER BY realm_id');

  expect(rows).toEqual([
    { uuid: elsinore.uuid, host: 'zulip.example.net', name: 'Elsinore', org_type: 10, realm_date_created: elsinore.dateCreated, authentication_methods: JSON.stringify(elsinore.authenticationMethods) },
    { uuid: lear.uuid, host: 'lear.zulip.example.net', name: 'Lear & Daughters', org_type: 30, realm_date_created: lear.dateCreated, authentication_methods: JSON.stringify(lear.authenticationMethods) },
  ]);
  expect(world.bouncer.server()).toMatchObject({ last_api_feature_level: world.featureLevel });
});

it('should know how many accounts of each role every organisation has, bots apart', () => {
  const latest = (realmUuid: string) => {
    const rows = world.bouncer.query<{ extra_data: string }>(
      `SELECT l.extra_data FROM remote_realm_audit_log l JOIN remote_realm r ON r.id = l.remote_realm_id
        WHERE r.uuid = ? AND l.event_type = 101 ORDER BY l.remote_id DESC LIMIT 1`,
      realmUuid,
    );
    return (JSON.parse(rows[0]!.extra_data) as Record<string, Record<string, unknown>>)['10'];
  };

  expect(latest(world.realm(0).uuid)).toMatchObject({ '11': { '100': 1, '200': 1, '300': 1, '400': 2, '600': 1 }, '12': 1 });
  expect(latest(world.realm(1).uuid)).toMatchObject({ '11': { '100': 1, '200': 0, '300': 0, '400': 3, '600': 2 }, '12': 2 });
});

it('should follow a renamed organisation with the next upload, and record the change', async () => {
  const lear = world.realm(1);
  world.stack.zulip.state.updateRealm(lear.id, { name: 'Lear Holdings' });

  await world.hourPasses();

  expect(world.bouncer.query('SELECT name FROM remote_realm WHERE uuid = ?', lear.uuid)).toEqual([{ name: 'Lear Holdings' }]);
  const changes = world.bouncer.query<{ extra_data: string }>(
    `SELECT l.extra_data FROM remote_realm_audit_log l JOIN remote_realm r ON r.id = l.remote_realm_id WHERE r.uuid = ? AND l.event_type = 20001`,
    lear.uuid,
  );
  expect(changes.map((c) => JSON.parse(c.extra_data) as unknown)).toEqual([{ attr_name: 'name', old_value: 'Lear & Daughters', new_value: 'Lear Holdings' }]);
});
