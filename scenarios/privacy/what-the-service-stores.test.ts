/**
 * "The Push Notification Service only stores the necessary metadata": the APNs/FCM tokens, the
 * opaque user ids the server generated, basic organisation metadata, optional usage statistics
 * and aggregate counts of the pushes each customer sends. It receives, but never stores or logs,
 * what a legacy push carries — the text, the sender's name — and on the E2EE path it never sees
 * them at all (seed: "Security and privacy"; bouncer-protocol.md §11, §12). Every world's
 * privacy verdict checks the same in every sink; this scenario reads the bouncer's tables.
 */
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';
import { sinksContaining } from '../../harness/world/sinks';

let world: World;
let hamletIos: Phone, hamletAndroid: Phone, iagoIos: Phone;
let texts: string[];

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  const { hamlet, othello, iago } = world.people;
  hamletIos = await world.phone(hamlet, 'ios');
  hamletAndroid = await world.phone(hamlet, 'android');
  iagoIos = await world.phone(iago, 'ios', { protocol: 'e2ee-11' });
  const first = await world.send(othello, { to: [hamlet] });
  const second = await world.send(othello, { to: [hamlet, iago] });
  texts = [first.content, second.content];
  for (const phone of [hamletIos, hamletAndroid, hamletIos, hamletAndroid, iagoIos]) await phone.nextNotification();
});
afterAll(() => world.stop());

it('should keep no table for messages, people or their devices’ owners beyond opaque ids', () => {
  expect(world.bouncer.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((t) => t.name)).toEqual([
    'customer_plan',
    'remote_installation_count',
    'remote_push_device',
    'remote_push_device_token',
    'remote_realm',
    'remote_realm_audit_log',
    'remote_realm_count',
    'remote_zulip_server',
    'remote_zulip_server_audit_log',
    'schema_migrations',
  ]);
});

it('should store each token with the user’s opaque id only', () => {
  const { hamlet } = world.people;

  expect(world.bouncer.query('SELECT user_id, user_uuid, kind, token, ios_app_id FROM remote_push_device_token ORDER BY id')).toEqual([
    { user_id: null, user_uuid: hamlet.uuid, kind: 1, token: hamletIos.token, ios_app_id: 'org.zulip.Zulip' },
    { user_id: null, user_uuid: hamlet.uuid, kind: 2, token: hamletAndroid.token, ios_app_id: null },
  ]);
  // An E2EE device is not even tied to a user: a token and the app's push account id.
  expect(world.bouncer.query('SELECT token, token_kind, push_account_id FROM remote_push_device')).toEqual([
    { token: iagoIos.token, token_kind: 'apns', push_account_id: expect.any(Number) },
  ]);
});

it('should count the pushes it received and forwarded, per organisation and per installation', () => {
  const counts = (table: string) =>
    Object.fromEntries(world.bouncer.query<{ property: string; value: number }>(`SELECT property, value FROM ${table} WHERE remote_id IS NULL`).map((r) => [r.property, r.value]));

  // 2 messages × hamlet's 2 legacy devices, and 1 E2EE push to iago (counted for the organisation only).
  expect(counts('remote_realm_count')).toEqual({ 'mobile_pushes_received::day': 5, 'mobile_pushes_forwarded::day': 5 });
  expect(counts('remote_installation_count')).toEqual({ 'mobile_pushes_received::day': 4, 'mobile_pushes_forwarded::day': 4 });
});

it('should have stored and logged neither the texts, the sender’s name nor the recipients’ emails', () => {
  const bouncerSinks = world.stack.bouncer.sinks;
  const { hamlet, othello, iago } = world.people;

  for (const text of texts) expect(sinksContaining(bouncerSinks, text.split(' ').pop()!)).toEqual([]);
  expect(sinksContaining(bouncerSinks, othello.fullName)).toEqual([]);
  for (const u of [hamlet, othello, iago]) expect(sinksContaining(bouncerSinks, u.email)).toEqual([]);
});
