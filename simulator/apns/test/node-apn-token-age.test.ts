/**
 * Provider-token age with node-apn. node-apn stamps `iat` with the wall clock (jsonwebtoken's
 * Date.now()), reuses a token for 55 minutes (isExpired(3300)), and on 403 ExpiredProviderToken
 * mints a new token and retries on the same connection, up to connectionRetryLimit (3) times
 * (node_modules/@parse/node-apn/lib/client.js, credentials/token/prepare.js).
 */
import apn from '@parse/node-apn';
import { startTestApns, type TestApns } from './support';

let apns: TestApns;
let provider: apn.Provider;

beforeEach(async () => {
  apns = await startTestApns();
  provider = new apn.Provider({
    token: { key: apns.keyFile, keyId: apns.keyId, teamId: apns.teamId },
    production: false,
    address: '127.0.0.1',
    port: apns.port,
    ca: [apns.caCertPem],
  });
});
afterEach(async () => {
  jest.restoreAllMocks();
  provider.shutdown();
  await apns.stop();
});

function note(): apn.Notification {
  const n = new apn.Notification({ alert: 'hi' });
  n.topic = 'org.zulip.Zulip';
  return n;
}

const MINUTE = 60_000;

it('should fail with ExpiredProviderToken after node-apn retries with tokens that are still an hour behind the mock', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  expect((await provider.send(note(), phone.token)).sent).toHaveLength(1);

  // Only the mock's clock moves: every token node-apn mints is stamped with the (unmoved) wall
  // clock, so each retry is as stale as the first attempt.
  apns.clock.advance(61 * MINUTE);
  const result = await provider.send(note(), phone.token);

  expect(result.sent).toEqual([]);
  expect(result.failed).toHaveLength(1);
  const failure = result.failed[0]!;
  expect(failure.status).toBe(403);
  expect(failure.error?.message).toBe('ExpiredProviderToken');
  // The first attempt plus connectionRetryLimit (3) retries, all on the first connection.
  const attempts = apns.journal.list({ device: phone.token, accepted: false });
  expect(attempts.map((e) => e.outcome.reason)).toEqual(Array(4).fill('ExpiredProviderToken'));
  expect(new Set(attempts.map((e) => e.meta?.connectionId))).toEqual(new Set([1]));
});

it('should accept the fresh token node-apn makes for itself after 55 minutes on the same connection', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const wallStart = Date.now();
  expect((await provider.send(note(), phone.token)).sent).toHaveLength(1);

  // Both clocks move 56 minutes: node-apn finds its token older than 55 minutes and signs a new
  // one, more than 20 minutes after the last, so the same connection takes it.
  apns.clock.advance(56 * MINUTE);
  jest.spyOn(Date, 'now').mockReturnValue(wallStart + 56 * MINUTE);
  const result = await provider.send(note(), phone.token);

  expect(result.failed).toEqual([]);
  expect(result.sent).toHaveLength(1);
  const entries = apns.journal.list({ device: phone.token });
  expect(entries.map((e) => [e.outcome.status, e.meta?.connectionId])).toEqual([
    [200, 1],
    [200, 1],
  ]);
  expect(entries[1]!.meta?.tokenIat).toBe(Math.floor((wallStart + 56 * MINUTE) / 1000));
  expect(entries[1]!.meta?.tokenIat).not.toBe(entries[0]!.meta?.tokenIat);
});
