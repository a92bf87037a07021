/** The admin surface, on the plain port and the TLS port alike, and FCM's own routes. */
import fs from 'node:fs';
import { REGISTRATION_TOKEN_PATTERN } from '../index';
import { accessToken, request, send, startTestFcm, type TestFcm, type Via } from './support';

let fcm: TestFcm;

beforeAll(async () => {
  fcm = await startTestFcm();
});
afterAll(() => fcm.stop());

const VIAS: Via[] = ['http', 'https1', 'h2'];

it.each(VIAS)('should answer health over %s', async (via) => {
  const res = await request(fcm, '/__admin/health', { via });
  expect(res.json).toEqual({ status: 'ok', component: 'fcm' });
});

it.each(VIAS)('should create a device over %s, then let it be unregistered', async (via) => {
  const created = await request(fcm, '/__admin/devices', { via, body: { scope: fcm.projectId, label: 'Pixel' } });
  expect(created.status).toBe(201);
  expect(created.json.token).toMatch(REGISTRATION_TOKEN_PATTERN);
  const gone = await request(fcm, `/__admin/devices/${encodeURIComponent(created.json.token)}/unregister`, { via, method: 'POST' });
  expect(gone.json).toMatchObject({ state: 'unregistered' });
  const res = await send(fcm, { token: created.json.token }, { via });
  expect(res.json.error.details[0].errorCode).toBe('UNREGISTERED');
});

it('should say where the mock is and where its files are', async () => {
  const res = await request(fcm, '/__admin/info', { via: 'h2' });
  expect(res.json).toMatchObject({
    url: fcm.url,
    tokenUri: fcm.tokenUri,
    tlsUrl: fcm.tlsUrl,
    tlsTokenUri: fcm.tlsTokenUri,
    projectId: fcm.projectId,
    serviceAccountFile: fcm.serviceAccountFile,
    caCertFile: fcm.caCertFile,
    caCertPem: fcm.caCertPem,
  });
});

it('should add a project with its own service account file, and list accounts without private keys', async () => {
  const added = await request(fcm, '/__admin/projects', { body: { projectId: 'second-project' } });
  expect(added.status).toBe(201);
  expect(added.json).toMatchObject({ projectId: 'second-project', clientEmail: expect.stringMatching(/@second-project\.iam\.gserviceaccount\.com$/) });
  const file = JSON.parse(fs.readFileSync(added.json.serviceAccountFile, 'utf8')) as Record<string, string>;
  expect(file).toMatchObject({ project_id: 'second-project', token_uri: fcm.tokenUri });
  // Its token works for its own project.
  const t = await accessToken(fcm, { file: added.json.serviceAccountFile });
  const phone = fcm.createDevice('second-project').token;
  expect((await send(fcm, { token: phone }, { token: t, project: 'second-project' })).status).toBe(200);

  const listed = await request(fcm, '/__admin/service-accounts', { via: 'https1' });
  expect(listed.json.serviceAccounts.map((a: { project_id: string }) => a.project_id).sort()).toEqual(['second-project', fcm.projectId]);
  expect(listed.text).not.toContain('PRIVATE KEY');
  expect((await request(fcm, '/__admin/projects', { body: { projectId: 'second-project' } })).status).toBe(409);
  expect((await request(fcm, '/__admin/projects', { body: { projectId: 'Bad_Id' } })).status).toBe(400);
});

it('should serve the journal and explain a wait that times out', async () => {
  const phone = fcm.createDevice().token;
  await send(fcm, { token: phone, data: { a: 'b' } });
  const journal = await request(fcm, `/__admin/journal?device=${encodeURIComponent(phone)}`, { via: 'h2' });
  expect(journal.json.entries).toHaveLength(1);
  const after = journal.json.entries[0].seq;
  const wait = await request(fcm, `/__admin/journal/next?device=${encodeURIComponent(phone)}&after=${after}&timeoutMs=30`);
  expect(wait.status).toBe(408);
  expect(wait.json.error).toContain(`for device ${phone} within 30 ms`);
});

it('should move the virtual clock and leave admin requests out of the journal', async () => {
  const before = fcm.journal.stats.lastSeq;
  const res = await request(fcm, '/__admin/clock', { via: 'https1', body: { advanceMs: 1000 } });
  expect(res.json).toEqual({ kind: 'virtual', now: fcm.clock.now() });
  expect(fcm.journal.stats.lastSeq).toBe(before);
});
