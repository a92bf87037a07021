/**
 * The zero-code-change route (client-redirect.md §2c): a firebase-admin app that only loads a
 * service-account OBJECT and calls sendEach() over HTTP/2, redirected by the preload
 * client-redirect.cjs (port map + :scheme shim) and trusting the mock's CA through
 * NODE_EXTRA_CA_CERTS.
 */
import path from 'node:path';
import { RealClock } from '../../core/clock';
import { startMockFcm, type MockFcmHandle } from '../index';
import { fixture, runNode } from './support';

const PRELOAD = path.resolve(__dirname, '..', 'client-redirect.cjs');

let fcm: MockFcmHandle;

beforeAll(async () => {
  fcm = await startMockFcm({ clock: new RealClock() });
});
afterAll(() => fcm.stop());

const redirectEnv = (extra: Record<string, string> = {}) => ({
  NODE_OPTIONS: `--require ${PRELOAD}`,
  NODE_EXTRA_CA_CERTS: fcm.caCertFile,
  ZPG_REDIRECT_PORTS: `fcm.googleapis.com:443=127.0.0.1:${fcm.tlsPort},oauth2.googleapis.com:443=127.0.0.1:${fcm.tlsPort}`,
  ...extra,
});

it('should carry an unmodified HTTP/2 sendEach to the mock, partial failure mapped', async () => {
  const [ok1, gone, ok2] = [fcm.createDevice().token, fcm.createDevice().token, fcm.createDevice().token];
  fcm.unregisterDevice(gone);
  const run = await runNode(fixture('send-each.cjs'), [fcm.serviceAccountFile, ok1, gone, ok2], redirectEnv());
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toEqual({
    successCount: 2,
    failureCount: 1,
    responses: [
      { success: true, messageId: expect.stringMatching(/^projects\/zulip-push-sim\/messages\//) },
      { success: false, code: 'messaging/registration-token-not-registered', message: 'Requested entity was not found.' },
      { success: true, messageId: expect.stringMatching(/^projects\/zulip-push-sim\/messages\//) },
    ],
  });
  const entry = fcm.journal.list({ device: gone }).at(-1)!;
  // HTTP/2, with the scheme the shim corrected.
  expect(entry.request).toMatchObject({ httpVersion: '2.0', headers: { ':scheme': 'https', ':authority': expect.stringMatching(/^fcm\.googleapis\.com/) } });
});

it('should show why the shim exists: without it nghttp2 refuses every stream before the mock sees it', async () => {
  const phone = fcm.createDevice().token;
  const run = await runNode(fixture('send-each.cjs'), [fcm.serviceAccountFile, phone], redirectEnv({ ZPG_FIX_H2_SCHEME: '0' }));
  const result = JSON.parse(run.stdout) as { failureCount: number; responses: { message: string }[] };
  expect(result.failureCount).toBe(1);
  expect(result.responses[0]!.message).toMatch(/NGHTTP2_PROTOCOL_ERROR/);
  expect(fcm.journal.list({ device: phone })).toEqual([]);
});

it('should answer redirected names from dns.lookup, one address or all', async () => {
  const code = `
    const dns = require('node:dns');
    dns.lookup('fcm.googleapis.com', (e, address, family) =>
      dns.lookup('oauth2.googleapis.com', { all: true }, (e2, all) => console.log(JSON.stringify({ address, family, all }))));`;
  const run = await runNode('-e', [code], {
    NODE_OPTIONS: `--require ${PRELOAD}`,
    ZPG_REDIRECT_HOSTS: 'fcm.googleapis.com=127.0.0.1,oauth2.googleapis.com=::1',
  });
  expect(JSON.parse(run.stdout)).toEqual({ address: '127.0.0.1', family: 4, all: [{ address: '::1', family: 6 }] });
});
