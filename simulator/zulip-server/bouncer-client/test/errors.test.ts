/**
 * send_to_push_bouncer's reactions to each kind of answer (server-and-app.md §E table,
 * bouncer-protocol.md §2): which exception, with which message.
 */
import nock from 'nock';
import {
  BouncerJsonDecodeError,
  BouncerJsonableError,
  InvalidBouncerPublicKeyError,
  InvalidRemotePushDeviceTokenError,
  MissingRemoteRealmError,
  PushNotificationBouncerError,
  PushNotificationBouncerRetryLaterError,
  PushNotificationBouncerServerError,
  PushNotificationsDisallowedByBouncerError,
  RequestExpiredError,
} from '../errors';
import { reactToNotifyRefusal } from '../reactions';
import { BOUNCER, REMOTES, flush, intercept, makeClient, realmFixture, useNock } from './support';

useNock();

const notifyInput = {
  userId: 10,
  userUuid: 'uu',
  realmUuid: 'ru',
  apnsPayload: {},
  gcmPayload: { event: 'message', content: 'secret content' },
  gcmOptions: {},
  androidDevices: ['tok'],
  appleDevices: [],
};

const errorBody = (code: string, msg: string, extra: Record<string, unknown> = {}) => ({ result: 'error', msg, code, ...extra });

describe('5xx', () => {
  it.each([500, 502, 503])('should turn %i into a retry-later server error and a root WARNING', async (status) => {
    const { client, log } = makeClient();
    intercept('POST', 'push/notify', status, 'Server error');
    const err = await client.notify(notifyInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushNotificationBouncerServerError);
    expect(err).toBeInstanceOf(PushNotificationBouncerRetryLaterError);
    expect((err as Error).message).toBe(`Received ${status} from push notification bouncer`);
    expect((err as PushNotificationBouncerServerError).httpStatusCode).toBe(502);
    expect(log.output()).toContain(`WARNING:root:Received ${status} from push notification bouncer`);
  });
});

describe('4xx', () => {
  it('should turn INVALID_ZULIP_SERVER into the email-the-admins PushNotificationBouncerError', async () => {
    const { client } = makeClient();
    intercept('POST', 'push/notify', 400, errorBody('INVALID_ZULIP_SERVER', "Your plan doesn't allow sending push notifications."));
    const err = await client.notify(notifyInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushNotificationBouncerError);
    expect(err).not.toBeInstanceOf(BouncerJsonableError);
    expect((err as Error).message).toBe("Push notifications bouncer error: Your plan doesn't allow sending push notifications.");
  });

  it('should turn PUSH_NOTIFICATIONS_DISALLOWED into a refusal that switches the realm off', async () => {
    const { client, log } = makeClient();
    const reason =
      "Your plan doesn't allow sending push notifications. Reason provided by the server: Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/";
    intercept('POST', 'push/notify', 400, errorBody('PUSH_NOTIFICATIONS_DISALLOWED', reason));
    const err = await client.notify(notifyInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushNotificationsDisallowedByBouncerError);
    expect((err as PushNotificationsDisallowedByBouncerError).reason).toBe(reason);

    const realm = realmFixture({ pushNotificationsEnabled: true, pushNotificationsEnabledEndTimestamp: 4_000_000_000 });
    const lines: string[] = [];
    const after = reactToNotifyRefusal(realm, err, 'legacy', (level, msg) => lines.push(`${level}:${msg}`));
    expect(after).toMatchObject({ pushNotificationsEnabled: false, pushNotificationsEnabledEndTimestamp: null });
    expect(lines).toEqual([`warn:Bouncer refused to send push notification: ${reason}`]);
    // The client's own log names the endpoint, status and code — nothing of the payload.
    expect(JSON.stringify(log.lines)).not.toContain('secret content');
    expect(log.lines.at(-1)).toMatchObject({ endpoint: 'push/notify', status: 400, code: 'PUSH_NOTIFICATIONS_DISALLOWED' });
  });

  it("should surface any other 4xx as a JsonableError carrying the bouncer's msg, code and fields", async () => {
    const { client } = makeClient();
    intercept(
      'POST',
      'server/register',
      400,
      errorBody('HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR', 'A server with hostname zulip.example.net already exists', {
        hostname: 'zulip.example.net',
      }),
    );
    const err = await client.registerServer({ hostname: 'zulip.example.net', contactEmail: 'a@zulip.com' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BouncerJsonableError);
    expect(err).not.toBeInstanceOf(PushNotificationBouncerRetryLaterError);
    const e = err as BouncerJsonableError;
    expect([e.msg, e.code, e.status, e.data]).toEqual([
      'A server with hostname zulip.example.net already exists',
      'HOSTNAME_ALREADY_IN_USE_BOUNCER_ERROR',
      400,
      { hostname: 'zulip.example.net' },
    ]);
  });

  it('should keep a 429 as a plain JsonableError with its retry-after', async () => {
    const { client } = makeClient();
    intercept('GET', 'server/analytics/status', 429, errorBody('RATE_LIMIT_HIT', 'API usage exceeded rate limit', { 'retry-after': 0.5 }), {
      'Retry-After': '0.5',
    });
    const err = (await client.analyticsStatus().catch((e: unknown) => e)) as BouncerJsonableError;
    expect(err).toBeInstanceOf(BouncerJsonableError);
    expect(err).not.toBeInstanceOf(PushNotificationBouncerRetryLaterError);
    expect([err.status, err.code, err.msg, err.retryAfterSeconds]).toEqual([429, 'RATE_LIMIT_HIT', 'API usage exceeded rate limit', 0.5]);
    expect(err.data).toEqual({ 'retry-after': 0.5 });
  });

  it('should let an unparseable 4xx body fail as a JSON decode error', async () => {
    const { client } = makeClient();
    intercept('GET', 'server/analytics/status', 400, 'This is not JSON');
    await expect(client.analyticsStatus()).rejects.toBeInstanceOf(BouncerJsonDecodeError);
  });

  it('should map the endpoint-specific codes to their own exceptions, and only on their endpoints', async () => {
    const { client } = makeClient();
    const e2eeReg = { realmUuid: 'ru', tokenId: 'AAAAAAAAAAA=', encryptedPushRegistration: 'x', bouncerPublicKey: 'k' };
    const cases: [() => Promise<unknown>, string, string, new (...a: never[]) => Error][] = [
      [() => client.sendTestNotification({ ...notifyInput, token: 't', tokenKind: 'fcm', basePayload: {} }), 'push/test_notification', 'INVALID_REMOTE_PUSH_DEVICE_TOKEN', InvalidRemotePushDeviceTokenError],
      [() => client.registerE2eeDevice(e2eeReg), 'push/e2ee/register', 'INVALID_BOUNCER_PUBLIC_KEY', InvalidBouncerPublicKeyError],
      [() => client.registerE2eeDevice(e2eeReg), 'push/e2ee/register', 'REQUEST_EXPIRED', RequestExpiredError],
      [() => client.registerE2eeDevice(e2eeReg), 'push/e2ee/register', 'MISSING_REMOTE_REALM', MissingRemoteRealmError],
      [() => client.e2eeNotify({ realmUuid: 'ru', pushRequests: [] }), 'push/e2ee/notify', 'MISSING_REMOTE_REALM', MissingRemoteRealmError],
    ];
    for (const [call, endpoint, code, cls] of cases) {
      intercept('POST', endpoint, code === 'MISSING_REMOTE_REALM' ? 403 : 400, errorBody(code, 'bouncer text'));
      const err = await call().catch((e: unknown) => e);
      expect([endpoint, code, err instanceof cls]).toEqual([endpoint, code, true]);
    }
    // The same code elsewhere is just a JsonableError.
    intercept('POST', 'push/register', 403, errorBody('MISSING_REMOTE_REALM', 'Organization not registered'));
    const err = await client.registerPushDevice({ userId: 1, userUuid: 'u', token: 't', tokenKind: 'fcm' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(MissingRemoteRealmError);
    expect(err).toBeInstanceOf(BouncerJsonableError);
  });

  it('should report an E2EE MISSING_REMOTE_REALM refusal as Zulip does and switch the realm off', async () => {
    const { client } = makeClient();
    intercept('POST', 'push/e2ee/notify', 403, errorBody('MISSING_REMOTE_REALM', 'Organization not registered'));
    const err = await client.e2eeNotify({ realmUuid: 'ru', pushRequests: [] }).catch((e: unknown) => e);
    const lines: string[] = [];
    const realm = reactToNotifyRefusal(realmFixture(), err, 'e2ee', (_level, msg) => lines.push(msg));
    expect(realm?.pushNotificationsEnabled).toBe(false);
    expect(lines).toEqual(['Bouncer refused to send E2EE push notification: Organization not registered']);
    expect(reactToNotifyRefusal(realmFixture(), err, 'legacy')).toBeNull();
  });
});

describe('other statuses', () => {
  it('should treat a non-200 success or a redirect as an unexpected status', async () => {
    const { client } = makeClient();
    intercept('POST', 'server/deactivate', 204, '');
    await expect(client.deactivateServer()).rejects.toThrow(
      new PushNotificationBouncerError('Push notification bouncer returned unexpected status code 204'),
    );
    intercept('POST', 'server/deactivate', 302, '', { Location: `${BOUNCER}/elsewhere` });
    await expect(client.deactivateServer()).rejects.toThrow('Push notification bouncer returned unexpected status code 302');
  });
});

describe('network failures', () => {
  it('should turn a refused connection into a retry-later ConnectionError', async () => {
    const { client } = makeClient();
    nock(BOUNCER).post(`${REMOTES}push/notify`).replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    const err = await client.notify(notifyInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushNotificationBouncerRetryLaterError);
    expect(err).not.toBeInstanceOf(PushNotificationBouncerServerError);
    expect((err as Error).message).toBe('ConnectionError while trying to connect to push notification bouncer');
  });

  it('should call a TLS failure an SSLError', async () => {
    const { client } = makeClient();
    nock(BOUNCER).post(`${REMOTES}push/notify`).replyWithError({ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' });
    await expect(client.notify(notifyInput)).rejects.toThrow('SSLError while trying to connect to push notification bouncer');
  });

  it('should time out after 15 s of the clock and call it a ReadTimeout', async () => {
    const { client, clock } = makeClient();
    // The bouncer never answers (no timer involved, so nothing lingers after the test).
    nock(BOUNCER).post(`${REMOTES}push/notify`).reply((_uri: string, _body: unknown, _cb: unknown) => undefined);
    let settled = false;
    const call = client.notify(notifyInput).finally(() => (settled = true));
    call.catch(() => undefined);
    await flush();
    clock.advance(14_999);
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushNotificationBouncerRetryLaterError);
    expect((err as Error).message).toBe('ReadTimeout while trying to connect to push notification bouncer');
  });

  it('should give server/analytics 90 s', async () => {
    const { client, clock } = makeClient();
    nock(BOUNCER).post(`${REMOTES}server/analytics`).reply((_uri: string, _body: unknown, _cb: unknown) => undefined);
    let settled = false;
    const call = client
      .uploadAnalytics({ realm_counts: [], installation_counts: [], realms: [], version: null, merge_base: null, api_feature_level: null })
      .finally(() => (settled = true));
    call.catch(() => undefined);
    await flush();
    clock.advance(60_000);
    await flush();
    expect(settled).toBe(false);
    clock.advance(30_000);
    await expect(call).rejects.toThrow('ReadTimeout while trying to connect to push notification bouncer');
  });
});
