/**
 * The server's credentials live in zulip-secrets.conf and every request reads them there
 * (seed: "Updating your server's registration", "Moving your registration", "Deactivating").
 * Key rotation, a registration transfer, pausing the service and deactivation each behave end to
 * end: a phone keeps getting pushes, or stops, exactly when it should.
 */
import fs from 'node:fs';
import { parseIniSection } from '../../simulator/zulip-server/secrets-file';
import type { Phone } from '../../simulator/devices/phone';
import type { User } from '../../simulator/zulip-server/types';
import { startWorld, type World } from '../../harness/world';

let world: World;
let hamlet: User, othello: User;
let phone: Phone;

const secrets = () => parseIniSection(fs.readFileSync(world.stack.zulip.secretsFile, 'utf8'), 'secrets');
const delivered = async () => {
  const m = await world.send(othello, { to: [hamlet] });
  const n = await phone.pollNotification({ timeoutMs: 200 });
  return n !== null && n.kind === 'message' && n.body === m.content;
};

beforeAll(async () => {
  world = await startWorld({ profile: 12, seed: 40 });
  [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
  const outcome = await world.registerServer();
  expect(outcome).toMatchObject({ action: 'registered', created: true });
  phone = await world.phone(hamlet, 'android');
});
afterAll(() => world.stop());

it('should keep delivering after --rotate-key, with the new key in the secrets file', async () => {
  const before = secrets();
  expect(await delivered()).toBe(true);

  await world.registerServer({ rotateKey: true });

  const after = secrets();
  expect(after.get('zulip_org_id')).toBe(before.get('zulip_org_id'));
  expect(after.get('zulip_org_key')).toMatch(/^[A-Za-z0-9]{64}$/);
  expect(after.get('zulip_org_key')).not.toBe(before.get('zulip_org_key'));
  expect(await delivered()).toBe(true);
});

it('should send nothing while ZULIP_SERVICES_URL is unset, and resume without re-registering', async () => {
  const url = world.stack.zulip.settings().servicesUrl;
  world.stack.zulip.updateSettings({ servicesUrl: null });
  const notifiesBefore = world.stack.bouncer.logLines().filter((l) => /push\/e2ee\/notify/.test(String(l.msg))).length;
  expect(await delivered()).toBe(false);
  expect(world.stack.bouncer.logLines().filter((l) => /push\/e2ee\/notify/.test(String(l.msg))).length).toBe(notifiesBefore);

  world.stack.zulip.updateSettings({ servicesUrl: url });
  expect(await delivered()).toBe(true);
});

it('should take over the registration with --registration-transfer and keep delivering', async () => {
  const before = secrets();
  const outcome = await world.registerServer({ registrationTransfer: true });
  expect(outcome.action).toBe('transferred');

  const after = secrets();
  // The bouncer keeps the registration's uuid and issues a new key (§3.3).
  expect(after.get('zulip_org_id')).toBe(before.get('zulip_org_id'));
  expect(after.get('zulip_org_key')).not.toBe(before.get('zulip_org_key'));
  expect(await delivered()).toBe(true);
});

it('should stop delivering once the registration is deactivated', async () => {
  await world.registerServer({ deactivate: true });
  expect(await delivered()).toBe(false);
});
