/** What scenarios observe: the journal per device, waiting for the next notification, the log contract. */
import fs from 'node:fs';
import { WaitTimeoutError } from '../../core/provider-mock/journal';
import { accessToken, send, startTestFcm, type TestFcm } from './support';

let fcm: TestFcm;
let token: string;

beforeAll(async () => {
  fcm = await startTestFcm();
  token = await accessToken(fcm);
});
afterAll(() => fcm.stop());

it('should file requests per device', async () => {
  const [hamlet, ophelia] = [fcm.createDevice().token, fcm.createDevice().token];
  await send(fcm, { token: hamlet, data: { n: '1' } }, { token });
  await send(fcm, { token: ophelia, data: { n: '2' } }, { token });
  await send(fcm, { token: hamlet, data: { n: 3 } }, { token });
  const entries = fcm.journal.list({ device: hamlet });
  expect(entries.map((e) => [e.outcome.status, e.outcome.accepted])).toEqual([
    [200, true],
    [400, false],
  ]);
  expect(fcm.journal.list({ device: hamlet, accepted: true })).toHaveLength(1);
});

it('should resolve next() with the notification that arrives after the call', async () => {
  const phone = fcm.createDevice().token;
  // 1. the scenario starts waiting; 2. the send arrives; 3. the wait resolves with it.
  const next = fcm.journal.next(phone);
  const res = await send(fcm, { token: phone, data: { event: 'message' } }, { token });
  const entry = await next;
  expect(entry.id).toBe(res.json.name);
  expect(entry.notification).toMatchObject({ data: { event: 'message' } });
});

it('should explain a wait that times out with what the journal saw for the device', async () => {
  const phone = fcm.createDevice().token;
  fcm.unregisterDevice(phone);
  const after = fcm.journal.stats.lastSeq;
  await send(fcm, { token: phone }, { token });
  const wait = fcm.journal.next(phone, { afterSeq: after, timeoutMs: 50 });
  await expect(wait).rejects.toThrow(WaitTimeoutError);
  await expect(fcm.journal.next(phone, { afterSeq: after, timeoutMs: 50 })).rejects.toThrow(
    new RegExp(`for device ${phone} within 50 ms.*For this device the journal saw: #${after + 1} 404 UNREGISTERED`),
  );
});

it('should hold at most journalCapacity entries, counting the dropped ones', async () => {
  await using small = await startTestFcm({ journalCapacity: 3 });
  const t = await accessToken(small);
  const phone = small.createDevice().token;
  for (let i = 0; i < 4; i++) await send(small, { token: phone }, { token: t });
  expect(small.journal.stats).toMatchObject({ lastSeq: 5, held: 3, dropped: 2, capacity: 3 });
  expect(small.journal.list().map((e) => e.seq)).toEqual([3, 4, 5]);
});

it('should log one line per request with status, error code, token, project and message name — never data', async () => {
  const phone = fcm.createDevice().token;
  const canary = 'canary-Elsinore-7f3a';
  const ok = await send(fcm, { token: phone, data: { body: canary }, notification: { title: canary } }, { token });
  fcm.unregisterDevice(phone);
  await send(fcm, { token: phone, data: { body: canary } }, { token });
  const lines = fcm.logLines().filter((l) => l.token === phone);
  expect(lines).toEqual([
    expect.objectContaining({ level: 30, msg: `messages:send 200 ${ok.json.name}`, status: 200, project: fcm.projectId, messageName: ok.json.name }),
    expect.objectContaining({ level: 30, msg: 'messages:send 404 UNREGISTERED', status: 404, errorCode: 'UNREGISTERED' }),
  ]);
  expect(fs.readFileSync(fcm.logFile, 'utf8')).not.toContain(canary);
  // The journal is the sink that holds payloads, as a provider would receive them.
  expect(fcm.journal.dump()).toContain(canary);
});

it('should report its log and its journal as sinks', () => {
  expect(fcm.sinks).toEqual([
    expect.objectContaining({ name: 'fcm.log', kind: 'log', path: fcm.logFile }),
    expect.objectContaining({ name: 'fcm.journal', kind: 'journal', component: 'fcm' }),
  ]);
  expect(fcm.sinks[1]!.read!()).toBe(fcm.journal.dump());
});
