/**
 * The bouncer's APNs client against the mock (§7.2): one HTTP/2 session for many concurrent
 * sends, a provider token reused for 30 minutes then replaced, and recovery after the session
 * goes away.
 */
import fs from 'node:fs';
import { startMockApns, type MockApnsHandle } from '../../apns';
import { VirtualClock } from '../../core/clock';
import { ApnsClient } from '../providers/apns-client';

const TOPIC = 'org.zulip.Zulip';
let clock: VirtualClock;
let apns: MockApnsHandle;
let client: ApnsClient;

beforeEach(async () => {
  clock = new VirtualClock();
  apns = await startMockApns({ clock, seed: 7 });
  client = new ApnsClient(
    { url: apns.url, caPem: apns.caCertPem, teamId: apns.teamId, keyId: apns.keyId, keyPem: fs.readFileSync(apns.keyFile, 'utf8') },
    clock,
  );
});
afterEach(async () => {
  client.close();
  await apns.stop();
});

const send = (token: string) => client.send({ deviceToken: token, topic: TOPIC, payload: { aps: { alert: 'hi' } } });
const metaOf = (token: string) => apns.journal.list({ device: token }).map((e) => e.meta as { tokenIat: number; connectionId: number });

it('should send concurrently over one session with one provider token', async () => {
  const tokens = Array.from({ length: 20 }, () => apns.createDevice(TOPIC).token);
  const results = await Promise.all(tokens.map(send));
  expect(results.every((r) => r.kind === 'success')).toBe(true);
  const metas = tokens.flatMap(metaOf);
  expect(new Set(metas.map((m) => m.connectionId)).size).toBe(1);
  expect(new Set(metas.map((m) => m.tokenIat)).size).toBe(1);
});

it('should keep its provider token for 30 minutes, then make a new one the mock accepts', async () => {
  const token = apns.createDevice(TOPIC).token;
  await send(token);
  clock.advance(29 * 60_000);
  await send(token);
  clock.advance(2 * 60_000);
  const third = await send(token);
  expect(third.kind).toBe('success');
  const [a, b, c] = metaOf(token);
  expect(b!.tokenIat).toBe(a!.tokenIat);
  expect(c!.tokenIat).toBe(a!.tokenIat + 31 * 60);
  expect(c!.connectionId).toBe(a!.connectionId);
});

it('should report a reason as a failure and a dropped session as a connection error, then reconnect', async () => {
  const gone = apns.createDevice(TOPIC).token;
  apns.unregisterDevice(gone);
  expect(await send(gone)).toMatchObject({ kind: 'failure', status: 410, reason: 'Unregistered', timestamp: clock.now() });

  const token = apns.createDevice(TOPIC).token;
  apns.rules.add({ match: { device: token }, action: { kind: 'goaway' }, times: 1 });
  expect((await send(token)).kind).toBe('connection-error');
  expect(await send(token)).toMatchObject({ kind: 'success' });
  const conns = metaOf(token).map((m) => m.connectionId);
  expect(conns.at(-1)).not.toBe(metaOf(gone)[0]!.connectionId);
});
