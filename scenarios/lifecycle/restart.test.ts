/**
 * Restarting the installation — the push notification service and the Zulip server, on the same
 * data dir — loses nothing the service stores: the server's registration and credentials, its
 * organisations, every device token (legacy and E2EE) and the E2EE registration key the apps
 * were built with. The bouncer delivers to the devices it knew before the restart, and when the
 * apps reconnect (each app re-sends its token at launch) nothing is registered twice and
 * messages reach the phones again (architecture.md "restart persistence").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Phone } from '../../simulator/devices/phone';
import { startWorld, type World } from '../../harness/world';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-restart-'));
let world: World;
let hamletIos: Phone, othelloAndroid: Phone, iagoAndroid: Phone;

/** What the bouncer stores about this installation. */
const stored = () => ({
  server: world.bouncer.server(),
  realms: world.bouncer.query('SELECT id, uuid, name, host FROM remote_realm ORDER BY id'),
  legacyTokens: world.bouncer.query('SELECT id, user_uuid, kind, token, ios_app_id FROM remote_push_device_token ORDER BY id'),
  e2eeDevices: world.bouncer.query('SELECT device_id, token, token_kind, push_account_id FROM remote_push_device ORDER BY device_id'),
  auditLogs: world.bouncer.query('SELECT id, remote_id, event_type FROM remote_realm_audit_log ORDER BY id'),
});

let before: ReturnType<typeof stored>;
let credentials: ReturnType<World['credentials']>;
let e2eeKey: string;

beforeAll(async () => {
  world = await startWorld({ profile: 11, dataDir });
  await world.registerServer();
  const { hamlet, othello, iago } = world.people;
  hamletIos = await world.phone(hamlet, 'ios');
  othelloAndroid = await world.phone(othello, 'android');
  iagoAndroid = await world.phone(iago, 'android', { protocol: 'e2ee-11' });
  await world.send(othello, { to: [hamlet, iago] });
  await Promise.all([hamletIos.nextNotification(), iagoAndroid.nextNotification()]);

  before = stored();
  credentials = world.credentials();
  e2eeKey = world.stack.bouncer.e2eePublicKey;
  await world.restart();
});
afterAll(async () => {
  await world.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('should come back with the same registration, organisations and devices', () => {
  expect(world.credentials()).toEqual(credentials);
  expect(stored()).toEqual(before);
  expect(before.legacyTokens).toHaveLength(2);
  expect(before.e2eeDevices).toHaveLength(1);
  expect(world.stack.bouncer.e2eePublicKey).toBe(e2eeKey);
});

it('should accept the server’s credentials and remember what it uploaded', async () => {
  const status = await world.bouncer.callAsServer('GET', '/api/v1/remotes/server/analytics/status');

  expect(status.status).toBe(200);
  expect(status.body.last_realmauditlog_id).toBe(Math.max(...before.auditLogs.map((l) => Number(l.remote_id))));
});

it('should deliver to a device it knew before the restart, with nothing re-sent by the server', async () => {
  const { hamlet } = world.people;
  const realm = world.realm();
  const res = await world.bouncer.callAsServer('POST', '/api/v1/remotes/push/test_notification', {
    json: {
      token: hamletIos.token,
      token_kind: 1,
      user_id: hamlet.id,
      user_uuid: hamlet.uuid,
      realm_uuid: realm.uuid,
      base_payload: { server: 'zulip.example.net', realm_id: realm.id, realm_uri: realm.url, realm_url: realm.url, realm_name: realm.name, user_id: hamlet.id },
    },
  });

  expect(res.body).toEqual({ result: 'success', msg: '' });
  expect(await hamletIos.nextNotification()).toMatchObject({ kind: 'test', title: 'Test notification' });
});

it('should register nothing twice when the apps reconnect, and deliver messages again', async () => {
  const { hamlet, othello, iago } = world.people;
  await hamletIos.register();
  await othelloAndroid.register();
  await iagoAndroid.register({ protocol: 'e2ee-11' });
  await world.advance(0);

  expect(stored().legacyTokens).toEqual(before.legacyTokens);
  expect(stored().e2eeDevices).toEqual(before.e2eeDevices);

  const m = await world.send(othello, { to: [hamlet, iago] });
  expect(await hamletIos.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
  expect(await iagoAndroid.nextNotification()).toMatchObject({ kind: 'message', body: m.content, encrypted: true });
  const reply = await world.send(hamlet, { to: [othello] });
  expect(await othelloAndroid.nextNotification()).toMatchObject({ kind: 'message', body: reply.content });
});
