/**
 * The bouncer's FCM client against the mock (§7.1): an OAuth2 access token cached until shortly
 * before it expires, per-message results, and a whole-batch failure when no token can be had.
 */
import fs from 'node:fs';
import { VirtualClock } from '../../core/clock';
import { startMockFcm, type MockFcmHandle } from '../../fcm';
import { startBouncer } from '../index';
import { FcmBatchError, FcmClient, type ServiceAccount } from '../providers/fcm-client';
import { call, registerServer } from './support';

let clock: VirtualClock;
let fcm: MockFcmHandle;
let client: FcmClient;
let serviceAccount: ServiceAccount;

beforeEach(async () => {
  clock = new VirtualClock();
  fcm = await startMockFcm({ clock, seed: 3 });
  serviceAccount = { ...(JSON.parse(fs.readFileSync(fcm.serviceAccountFile, 'utf8')) as ServiceAccount), token_uri: fcm.tlsTokenUri };
  client = new FcmClient({ url: fcm.tlsUrl, caPem: fcm.caCertPem, serviceAccount }, clock);
});
afterEach(async () => {
  client.close();
  await fcm.stop();
});

const tokenRequests = () => fcm.journal.list().filter((e) => e.request.path === '/token').length;
const message = (token: string) => ({ token, data: { a: 'b' }, priority: 'high' as const });

it('should reuse one access token until a minute before it expires', async () => {
  const token = fcm.createDevice().token;
  await client.sendEach([message(token), message(token)]);
  clock.advance(58 * 60_000);
  await client.sendEach([message(token)]);
  expect(tokenRequests()).toBe(1);
  clock.advance(60_000);
  await client.sendEach([message(token)]);
  expect(tokenRequests()).toBe(2);
});

it('should report each message on its own', async () => {
  const ok = fcm.createDevice().token;
  const gone = fcm.createDevice().token;
  fcm.unregisterDevice(gone);
  const results = await client.sendEach([message(ok), message(gone), message(ok)]);
  expect(results.map((r) => r.kind)).toEqual(['success', 'failure', 'success']);
  expect(results[1]).toMatchObject({ httpStatus: 404, code: 'UNREGISTERED' });
  expect(results[0]).toMatchObject({ name: expect.stringMatching(new RegExp(`^projects/${fcm.projectId}/messages/`)) });
});

it('should fail the whole batch when the token endpoint refuses the service account', async () => {
  const stranger = new FcmClient(
    { url: fcm.tlsUrl, caPem: fcm.caCertPem, serviceAccount: { ...serviceAccount, client_email: 'nobody@example.iam.gserviceaccount.com' } },
    clock,
  );
  try {
    await expect(stranger.sendEach([message(fcm.createDevice().token)])).rejects.toBeInstanceOf(FcmBatchError);
  } finally {
    stranger.close();
  }
});

describe('a bouncer whose FCM credentials are refused', () => {
  it('should log "Error while pushing to FCM", count nothing as sent and keep the device', async () => {
    const bouncer = await startBouncer({
      clock,
      fcm: { url: fcm.tlsUrl, caPem: fcm.caCertPem, serviceAccount: { ...serviceAccount, client_email: 'nobody@example.iam.gserviceaccount.com' } },
    });
    try {
      const server = await registerServer(bouncer);
      await call(bouncer, 'POST', '/api/v1/remotes/server/analytics', {
        auth: server,
        jsonForm: { realm_counts: [], installation_counts: [], realmauditlog_rows: [], api_feature_level: 400 },
      });
      const token = fcm.createDevice().token;
      await call(bouncer, 'POST', '/api/v1/remotes/push/register', { auth: server, form: { token, token_kind: '2', user_id: '10' } });
      const res = await call(bouncer, 'POST', '/api/v1/remotes/push/notify', {
        auth: server,
        json: { user_id: 10, gcm_payload: { event: 'message', content: 'x' }, gcm_options: { priority: 'high' } },
      });
      expect(res.body).toMatchObject({ total_android_devices: 1 });
      const warnings = bouncer.logLines().filter((l) => l.level === 40).map((l) => l.msg);
      expect(warnings).toContain('Error while pushing to FCM');
      expect(bouncer.query('SELECT count(*) n FROM remote_push_device_token')).toEqual([{ n: 1 }]);
      expect(fcm.journal.list().filter((e) => e.request.path.endsWith('messages:send'))).toEqual([]);
    } finally {
      await bouncer.stop();
    }
  });
});
