/**
 * Unmodified firebase-admin 13.9 against the mock with the in-app recipe of client-redirect.md §2a
 * (a redirecting https.Agent, the service account as a file path, the legacy transport for
 * sendEach) — run by fixtures/agent-recipe.cjs in a plain node process, because Jest's CommonJS
 * runtime cannot load gaxios 7's `import('node-fetch')`. The whole plan runs once; each test reads
 * its step's result and the mock's journal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RealClock } from '../../core/clock';
import { startMockFcm, type MockFcmHandle } from '../index';
import { fixture, runNode } from './support';

let fcm: MockFcmHandle;
let results: Record<string, { ok: boolean; value?: any; code?: string; message?: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
let hosts: string[];
const phones: Record<string, string> = {};

beforeAll(async () => {
  // firebase-admin signs its assertion with the real time, so the mock judges it by the real clock.
  fcm = await startMockFcm({ clock: new RealClock() });
  for (const name of ['ok', 'gone', 'limited', 'batch1', 'batchGone', 'batch2']) phones[name] = fcm.createDevice(undefined, { label: name }).token;
  fcm.unregisterDevice(phones.gone!);
  fcm.unregisterDevice(phones.batchGone!);
  await fcm.addProject('another-sender-2');
  phones.foreign = fcm.createDevice('another-sender-2').token;
  fcm.rules.add({ id: 'quota', match: { device: phones.limited }, action: { kind: 'error', reason: 'QUOTA_EXCEEDED', retryAfterSeconds: 30 }, times: 1 });

  const stranger = 'x'.repeat(22) + ':APA91b' + 'y'.repeat(134);
  const plan = {
    serviceAccountFile: fcm.serviceAccountFile,
    projectId: fcm.projectId,
    tlsPort: fcm.tlsPort,
    caCertFile: fcm.caCertFile,
    steps: [
      { name: 'send', op: 'send', message: { token: phones.ok, data: { event: 'message' }, android: { priority: 'high' } } },
      { name: 'unregistered', op: 'send', message: { token: phones.gone, data: { a: 'b' } } },
      { name: 'unknownToken', op: 'send', message: { token: stranger } },
      // A reserved key firebase-admin itself lets through.
      { name: 'reservedKey', op: 'send', message: { token: phones.ok, data: { message_type: 'x' } } },
      { name: 'foreign', op: 'send', message: { token: phones.foreign } },
      { name: 'quota', op: 'send', message: { token: phones.limited } },
      { name: 'sendEach', op: 'sendEach', legacy: true, messages: ['batch1', 'batchGone', 'batch2'].map((p) => ({ token: phones[p], data: { n: '1' } })) },
    ],
  };
  const planFile = path.join(fcm.dataDir, 'fcm', 'agent-plan.json');
  fs.writeFileSync(planFile, JSON.stringify(plan));
  const run = await runNode(fixture('agent-recipe.cjs'), [planFile]);
  if (run.code !== 0) throw new Error(`agent-recipe.cjs exited ${run.code}: ${run.stderr}`);
  ({ results, hosts } = JSON.parse(run.stdout) as { results: typeof results; hosts: string[] });
}, 60_000);

afterAll(() => fcm.stop());

it('should send a message and return its name', async () => {
  expect(results.send).toEqual({ ok: true, value: expect.stringMatching(new RegExp(`^projects/${fcm.projectId}/messages/0:\\d{16}%[0-9a-f]{16}$`)) });
  const entry = await fcm.journal.next(phones.ok!, { afterSeq: 0 });
  expect(entry.request).toMatchObject({ httpVersion: '1.1', headers: { host: 'fcm.googleapis.com', authorization: 'Bearer [REDACTED]' } });
  expect(entry.meta).toMatchObject({ client: 'fire-admin-node/13.9.0' });
  expect(entry.notification).toMatchObject({ name: results.send!.value, priority: 'high', data: { event: 'message' } });
});

it('should have fetched its access token from the mock with a verified RS256 assertion', () => {
  const tokenLeg = fcm.journal.list().filter((e) => e.request.path === '/token');
  expect(tokenLeg.length).toBeGreaterThanOrEqual(1);
  expect(tokenLeg[0]!.outcome).toMatchObject({ accepted: true, status: 200 });
  expect(tokenLeg[0]!.request.headers.host).toBe('oauth2.googleapis.com');
  // firebase-admin's header is only {"alg":"RS256"}; its aud is Google's URL, whatever token_uri says.
  expect(tokenLeg[0]!.meta).toMatchObject({
    assertion: { alg: 'RS256', kid: null, typ: null, aud: 'https://oauth2.googleapis.com/token', signatureVerified: true },
  });
  expect(hosts.sort()).toEqual(['fcm.googleapis.com', 'oauth2.googleapis.com']);
});

it('should map UNREGISTERED to messaging/registration-token-not-registered', () => {
  expect(results.unregistered).toMatchObject({ ok: false, code: 'messaging/registration-token-not-registered', message: 'Requested entity was not found.' });
});

it('should map INVALID_ARGUMENT to messaging/invalid-argument', () => {
  expect(results.unknownToken).toMatchObject({ ok: false, code: 'messaging/invalid-argument' });
  expect(results.reservedKey).toMatchObject({ ok: false, code: 'messaging/invalid-argument', message: 'Invalid data payload key: message_type' });
});

it('should map SENDER_ID_MISMATCH to messaging/mismatched-credential', () => {
  expect(results.foreign).toMatchObject({ ok: false, code: 'messaging/mismatched-credential' });
});

it('should map a QUOTA_EXCEEDED fault to messaging/message-rate-exceeded', () => {
  expect(results.quota).toMatchObject({ ok: false, code: 'messaging/message-rate-exceeded' });
  const entry = fcm.journal.list({ device: phones.limited }).at(-1)!;
  expect(entry.outcome).toMatchObject({ status: 429, reason: 'QUOTA_EXCEEDED', faultRuleId: 'quota' });
});

it('should report one failure among three with sendEach over the legacy transport', () => {
  expect(results.sendEach!.value).toEqual({
    successCount: 2,
    failureCount: 1,
    responses: [
      { success: true, messageId: expect.stringMatching(/^projects\//) },
      { success: false, code: 'messaging/registration-token-not-registered' },
      { success: true, messageId: expect.stringMatching(/^projects\//) },
    ],
  });
});
