/** The journal: what each phone would receive, awaitable, bounded. */
import { WaitTimeoutError } from '../../core/provider-mock/journal';
import { DEFAULT_PAYLOAD, type ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns, type TestApns } from './support';

let apns: TestApns;
let client: ApnsTestClient;

beforeAll(async () => {
  apns = await startTestApns({ journalCapacity: 10 });
  client = await connectWithToken(apns);
});
afterAll(async () => {
  await client.close();
  await apns.stop();
});
beforeEach(() => apns.journal.clear());

it("should list one device's requests, accepted and refused", async () => {
  const hamlet = apns.createDevice('org.zulip.Zulip', { label: "Hamlet's iPhone" });
  const othello = apns.createDevice('org.zulip.Zulip', { label: "Othello's iPhone" });
  await client.push({ token: hamlet.token });
  await client.push({ token: othello.token });
  await client.push({ token: hamlet.token, headers: { 'apns-priority': '7' } });

  const entries = apns.journal.list({ device: hamlet.token });
  expect(entries.map((e) => [e.outcome.status, e.outcome.reason])).toEqual([
    [200, null],
    [400, 'BadPriority'],
  ]);
  expect(entries[0]).toMatchObject({ provider: 'apns', scope: 'org.zulip.Zulip', request: { method: 'POST', body: DEFAULT_PAYLOAD } });
  expect(entries[0]!.notification).toEqual(JSON.parse(DEFAULT_PAYLOAD));
  expect(entries[1]!.notification).toBeUndefined();
  expect(apns.journal.list({ device: hamlet.token, accepted: true })).toHaveLength(1);
});

it('should resolve next() when a notification for the device arrives', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const next = apns.journal.next(phone.token);
  void client.push({ token: phone.token, body: '{"aps":{"alert":"Elsinore"}}' });
  const entry = await next;
  expect(entry.notification).toEqual({ aps: { alert: 'Elsinore' } });
  expect(entry.outcome.accepted).toBe(true);
});

it('should explain a wait that times out with what the journal saw instead', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const next = apns.journal.next(phone.token, { timeoutMs: 50 });
  await client.push({ token: phone.token, headers: { 'apns-expiration': 'soon' } });
  const error = await next.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WaitTimeoutError);
  const message = (error as Error).message;
  expect(message).toMatch(new RegExp(`^apns: .*accepted notification for device ${phone.token} within 50 ms`));
  expect(message).toMatch(/For this device the journal saw: #\d+ 400 BadExpirationDate/);
});

it('should hold at most its capacity, counting what it dropped', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  for (let i = 0; i < 25; i++) await client.push({ token: phone.token });
  expect(apns.journal.stats).toMatchObject({ held: 10, dropped: 15, capacity: 10 });
  expect(apns.journal.list()).toHaveLength(10);
});

it('should expose the journal as a sink for the privacy scanner', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  await client.push({ token: phone.token });
  const sink = apns.sinks.find((s) => s.kind === 'journal')!;
  expect(sink).toMatchObject({ name: 'apns.journal', component: 'apns' });
  expect(sink.read!()).toContain('To be, or not to be');
});
