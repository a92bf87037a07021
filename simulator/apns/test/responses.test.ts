/** What a successful or refused push gets back: status, apns-id, apns-unique-id, 410 timestamps. */
import { startMockApns } from '../index';
import { ApnsTestClient } from './h2-client';
import { connectWithToken, providerToken, startTestApns, testCa, type TestApns } from './support';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let apns: TestApns;
let client: ApnsTestClient;

beforeAll(async () => {
  apns = await startTestApns();
  client = await connectWithToken(apns);
});
afterAll(async () => {
  await client.close();
  await apns.stop();
});

it('should answer 200 with an empty body, echoing the apns-id sent', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const id = 'A1B2C3D4-0000-4000-8000-00000000000A';
  const res = await client.push({ token: phone.token, headers: { 'apns-id': id } });
  expect(res.status).toBe(200);
  expect(res.body).toBe('');
  expect(res.headers['apns-id']).toBe(id);
});

it('should make a lower-case v4 apns-id when none is sent, and journal it', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const res = await client.push({ token: phone.token });
  expect(res.headers['apns-id']).toMatch(UUID_V4);
  expect(apns.journal.list({ device: phone.token })[0]!.id).toBe(res.headers['apns-id']);
});

it('should add apns-unique-id in the development environment', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const res = await client.push({ token: phone.token });
  expect(res.headers['apns-unique-id']).toMatch(UUID_V4);
  expect(apns.journal.list({ device: phone.token })[0]!.meta?.apnsUniqueId).toBe(res.headers['apns-unique-id']);
});

it('should not add apns-unique-id in production', async () => {
  await using production = await startMockApns({ environment: 'production', ca: testCa() });
  const phone = production.createDevice('org.zulip.Zulip');
  const prodClient = await ApnsTestClient.connect(production, { jwt: await providerToken(production) });
  const res = await prodClient.push({ token: phone.token });
  await prodClient.close();
  expect(res.status).toBe(200);
  expect(res.headers['apns-unique-id']).toBeUndefined();
});

it('should answer an unregistered token with 410 and the clock time it was unregistered', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  apns.clock.advance(1_000);
  const unregisteredAt = apns.clock.now();
  apns.unregisterDevice(phone.token);
  apns.clock.advance(3_600_000);

  const res = await client.push({ token: phone.token });

  expect(res.status).toBe(410);
  expect(JSON.parse(res.body)).toEqual({ reason: 'Unregistered', timestamp: unregisteredAt });
});

it('should echo the apns-id on refusals too', async () => {
  const id = '0b7f7c2e-52f6-4d54-9c9f-1f1a5b8e5e42';
  const res = await client.push({ token: 'ab'.repeat(32), headers: { 'apns-id': id } });
  expect([res.status, res.headers['apns-id']]).toEqual([400, id]);
});
