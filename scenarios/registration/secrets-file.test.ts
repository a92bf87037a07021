/**
 * The registration lives in two lines of /etc/zulip/zulip-secrets.conf. A new machine installed
 * with fresh secrets is a stranger to the service; copying `zulip_org_id` and `zulip_org_key`
 * over from the old machine is all it takes to keep the registration — every request reads the
 * file, so pushes flow again at once, with no re-registration (seed: "Moving your registration
 * to a new server").
 */
import fs from 'node:fs';
import type { Phone } from '../../simulator/devices/phone';
import { parseIniSection, updateIniSection } from '../../simulator/zulip-server/secrets-file';
import { readText, startWorld, type World } from '../../harness/world';

let world: World;
let phone: Phone;

const secrets = () => parseIniSection(readText(world.stack.zulip.secretsFile), 'secrets');

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  phone = await world.phone(world.people.hamlet, 'ios');
});
afterAll(() => world.stop());

it('should keep the credentials in zulip-secrets.conf, readable by its owner only', () => {
  const { uuid, key } = world.credentials();

  expect(secrets().get('zulip_org_id')).toBe(uuid);
  expect(secrets().get('zulip_org_key')).toBe(key);
  expect(key).toMatch(/^[A-Za-z0-9]{64}$/);
  expect(fs.statSync(world.stack.zulip.secretsFile).mode & 0o777).toBe(0o600);
});

it('should get no pushes through on a new machine with fresh secrets, until the old ones are copied over', async () => {
  const { hamlet, othello } = world.people;
  const old = world.credentials();
  const fresh = world.loseCredentials();

  await world.send(othello, { to: [hamlet] });
  await world.expectNoPush(phone);
  const refused = world.bouncer.logLines().filter((l) => String(l.msg).includes('/api/v1/remotes/push/notify') && String(l.msg).includes(' 401 '));
  expect(refused.map((l) => l.msg)).toEqual([expect.stringContaining('[invalid-server]')]);
  expect(world.bouncer.server()).toBeUndefined();
  expect(fresh.uuid).not.toBe(old.uuid);

  // The admin copies the two values from the old machine's zulip-secrets.conf.
  const file = world.stack.zulip.secretsFile;
  fs.writeFileSync(file, updateIniSection(readText(file), 'secrets', { zulip_org_id: old.uuid, zulip_org_key: old.key }));

  const m = await world.send(othello, { to: [hamlet] });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'message', body: m.content });
  expect(world.bouncer.query('SELECT count(*) AS n FROM remote_zulip_server')).toEqual([{ n: 1 }]);
});
