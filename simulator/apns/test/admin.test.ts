/** The admin surface over HTTPS — HTTP/1.1 (fetch) and HTTP/2 (as curl speaks it) — on the push port. */
import { Agent, fetch } from 'undici';
import { ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns, type TestApns } from './support';

let apns: TestApns;
let agent: Agent;
let client: ApnsTestClient;

beforeAll(async () => {
  apns = await startTestApns();
  agent = new Agent({ connect: { ca: apns.caCertPem } });
  client = await connectWithToken(apns);
});
afterAll(async () => {
  await client.close();
  await agent.close();
  await apns.stop();
});

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${apns.url}/__admin${path}`, {
    method,
    dispatcher: agent,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

it('should create a device, inject a fault for it, and show both requests in the journal', async () => {
  const created = await admin('POST', '/devices', { scope: 'org.zulip.Zulip', label: "Cordelia's iPad" });
  expect(created.status).toBe(201);
  const token: string = created.json.token;
  expect(token).toMatch(/^[0-9a-f]{64}$/);

  const rule = await admin('POST', '/rules', { match: { device: token }, times: 1, action: { kind: 'error', reason: 'InternalServerError' } });
  expect(rule.status).toBe(201);

  expect((await client.push({ token })).status).toBe(500);
  expect((await client.push({ token })).status).toBe(200);

  const journal = await admin('GET', `/journal?device=${token}`);
  expect(journal.json.entries.map((e: any) => [e.outcome.status, e.outcome.faultRuleId ?? null])).toEqual([
    [500, rule.json.id],
    [200, null],
  ]);
  const accepted = await admin('GET', `/journal?device=${token}&accepted=true`);
  expect(accepted.json.entries[0].notification.aps.alert.body).toBe('To be, or not to be');
});

it('should refuse a rule with a reason APNs does not have', async () => {
  const res = await admin('POST', '/rules', { action: { kind: 'error', reason: 'InvalidRegistration' } });
  expect(res.status).toBe(400);
  expect(res.json.error).toMatch(/InvalidRegistration is not an APNs reason/);
});

it('should unregister a device so that it answers 410', async () => {
  const { json: device } = await admin('POST', '/devices', { scope: 'org.zulip.Zulip' });
  const unregistered = await admin('POST', `/devices/${device.token}/unregister`);
  expect(unregistered.json).toMatchObject({ state: 'unregistered', unregisteredAt: apns.clock.now() });
  const res = await client.push({ token: device.token });
  expect([res.status, JSON.parse(res.body)]).toEqual([410, { reason: 'Unregistered', timestamp: apns.clock.now() }]);
});

it('should describe the mock, its keys and its topics', async () => {
  const facts = await admin('GET', '/apns');
  expect(facts.json).toMatchObject({ environment: 'development', teamId: apns.teamId, keyId: apns.keyId, keyFile: apns.keyFile, caCertPem: apns.caCertPem });

  const added = await admin('POST', '/keys', { teamId: 'TEAMC00000' });
  expect(added.status).toBe(201);
  expect(added.json.keyFile).toMatch(new RegExp(`AuthKey_${added.json.keyId}\\.p8$`));
  const keys = await admin('GET', '/keys');
  expect(keys.json.keys.map((k: any) => k.teamId)).toEqual([apns.teamId, 'TEAMC00000']);
  expect(JSON.stringify(keys.json)).not.toContain('PRIVATE KEY');
  expect((await admin('POST', '/keys', { keyId: 'short' })).status).toBe(400);

  const topics = await admin('POST', '/topics', { topic: 'org.zulip.Zulip.beta' });
  expect(topics.json.topics).toEqual(['org.zulip.Zulip', 'com.zulip.flutter', 'org.zulip.Zulip.beta']);
  expect(apns.topics).toContain('org.zulip.Zulip.beta');
});

it('should answer admin requests over HTTP/2 too', async () => {
  const res = await client.request({ ':method': 'GET', ':path': '/__admin/health' });
  expect([res.status, JSON.parse(res.body)]).toEqual([200, { status: 'ok', component: 'apns' }]);
});
