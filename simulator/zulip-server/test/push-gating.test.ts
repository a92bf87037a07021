/**
 * When pushes do not go out, or go out late: the bouncer's plan gate (a realm with more than ten
 * humans and no plan), the service paused (ZULIP_SERVICES_URL unset) and resumed, push
 * notifications switched off, and a bouncer answering 5xx (retried on the virtual clock, then
 * given up). A 12.x stack with two realms: a small one and one with 15 humans.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Phone } from '../../devices/phone';
import type { Realm, User } from '../types';
import { startPushEnv, type PushEnv } from './push-support';

let env: PushEnv;
let small: Realm;
let big: Realm;
let S: User;
let A: User;
let a: { legacyIos: Phone; android: Phone };

beforeAll(async () => {
  env = await startPushEnv({ profile: 12, realms: [{}, { subdomain: 'big', roles: { member: 11 } }] });
  small = env.realm(0);
  big = env.realm(1);
  [S, , , A] = env.humans(small) as [User, User, User, User];
  a = { legacyIos: await env.phone(A, 'ios', 'legacy'), android: await env.phone(A, 'android') };
});
afterAll(async () => {
  await env?.stop();
});

const text = () => env.zulip.world.messageText();
const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function send(sender: User, to: User[], content = text()) {
  const m = await env.zulip.sendMessage({ senderId: sender.id, to: { type: 'direct', userIds: to.map((u) => u.id) }, content });
  await env.zulip.idle();
  return m;
}
async function expectNothing(list: Phone[]): Promise<void> {
  for (const p of list) expect(await p.pollNotification({ timeoutMs: 50 })).toBeNull();
}

describe('plan gating', () => {
  it('should learn from the metadata upload that the big realm may not push', () => {
    expect(env.humans(big)).toHaveLength(15);
    expect(env.zulip.state.realm(big.id).pushNotificationsEnabled).toBe(false);
    expect(env.zulip.state.realm(small.id).pushNotificationsEnabled).toBe(true);
  });

  it('should drop the message and switch the realm off when the bouncer refuses, on both paths', async () => {
    const [bs, , , bu] = env.humans(big) as [User, User, User, User];
    const phones = [await env.phone(bu, 'ios', 'legacy'), await env.phone(bu, 'android')];
    // The realm believes it may push (say an old upload); the bouncer knows better.
    env.zulip.state.updateRealm(big.id, { pushNotificationsEnabled: true, pushNotificationsEnabledEndTimestamp: 1_900_000_000 });
    const apnsBefore = env.stack.apns.journal.stats.lastSeq;
    const fcmBefore = env.stack.fcm.journal.stats.lastSeq;

    await send(bs, [bu]);
    await expectNothing(phones);
    expect(env.stack.apns.journal.stats.lastSeq).toBe(apnsBefore);
    expect(env.stack.fcm.journal.stats.lastSeq).toBe(fcmBefore);
    expect(env.zulip.state.realm(big.id)).toMatchObject({ pushNotificationsEnabled: false, pushNotificationsEnabledEndTimestamp: null });
    const reason =
      "Your plan doesn't allow sending push notifications. Reason provided by the server: Push notifications access with 10+ users requires signing up for a plan. https://zulip.com/plans/";
    expect(env.zulipLog()).toEqual(
      expect.arrayContaining([`WARNING:Bouncer refused to send push notification: ${reason}`, `WARNING:Bouncer refused to send E2EE push notification: ${reason}`]),
    );
    // Not retried: one refusal per path.
    expect(env.zulip.logLines().filter((l) => l.msg.startsWith('Retrying'))).toEqual([]);
    // The other realm is unaffected.
    await send(S, [A]);
    expect(await a.android.nextNotification()).toMatchObject({ kind: 'message' });
    expect(await a.legacyIos.nextNotification()).toMatchObject({ kind: 'message' });
  });

  it('should answer ADMIN_ACTION_REQUIRED to an E2EE test notification in the refused realm', async () => {
    const bu = env.humans(big)[3]!;
    const res = await env.api(bu, 'POST', '/api/v1/mobile_push/e2ee/test_notification');
    expect(res).toEqual({
      status: 403,
      body: {
        result: 'error',
        msg: 'Push notification configuration issue on server, contact the server administrator or retry later.',
        code: 'ADMIN_ACTION_REQUIRED',
      },
    });
  });
});

describe('paused and switched off', () => {
  it('should send nothing while ZULIP_SERVICES_URL is unset, and resume without re-registering', async () => {
    const url = env.zulip.settings().servicesUrl;
    env.zulip.updateSettings({ servicesUrl: null });
    let paused;
    try {
      paused = await send(S, [A]);
      await expectNothing([a.legacyIos, a.android]);
      expect(env.zulip.state.hasActivePushNotification(A.id, paused.id)).toBe(false);
      // The test notification endpoints succeed without sending.
      expect((await env.api(A, 'POST', '/api/v1/mobile_push/e2ee/test_notification')).status).toBe(200);
      expect((await env.api(A, 'POST', '/api/v1/mobile_push/test_notification')).status).toBe(200);
      await expectNothing([a.legacyIos, a.android]);
    } finally {
      env.zulip.updateSettings({ servicesUrl: url });
    }
    const content = text();
    await send(S, [A], content);
    expect(await a.android.nextNotification()).toMatchObject({ kind: 'message', body: content });
    expect(await a.legacyIos.nextNotification()).toMatchObject({ kind: 'message', body: content });
  });

  it('should send nothing with ZULIP_SERVICE_PUSH_NOTIFICATIONS off', async () => {
    env.zulip.updateSettings({ pushNotifications: false });
    try {
      await send(S, [A]);
      await expectNothing([a.legacyIos, a.android]);
    } finally {
      env.zulip.updateSettings({ pushNotifications: true });
    }
  });
});

/**
 * A bouncer in front of the bouncer: answers `answer` (default a 500) to the first `failures`
 * push requests, then passes everything on.
 */
async function flakyProxy(target: string, failures: number, answer: { status: number; body: Record<string, unknown> } = { status: 500, body: { result: 'error', msg: 'Internal server error', code: 'BAD_REQUEST' } }) {
  let pushRequests = 0;
  let forwarded = 0;
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.url?.includes('/push/')) {
          pushRequests += 1;
          if (pushRequests <= failures) {
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(answer.body));
            return;
          }
        }
        const headers: Record<string, string> = {};
        for (const k of ['authorization', 'content-type', 'user-agent']) if (typeof req.headers[k] === 'string') headers[k] = req.headers[k];
        const up = await fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        forwarded += 1;
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
        res.end(await up.text());
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get pushRequests() {
      return pushRequests;
    },
    get forwarded() {
      return forwarded;
    },
    /** Requests being answered right now (the clock must not pass their timeout meanwhile). */
    get inFlight() {
      return inFlight;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('bouncer 5xx', () => {
  let E: User; // E2EE only: one bouncer request per attempt
  let e: Phone;
  beforeAll(async () => {
    E = env.humans(small)[4]!;
    e = await env.phone(E, 'android');
  });

  /**
   * Moves the virtual clock on (the worker's backoff sleeps on it) until `done()`, but never
   * while the proxy is answering: the client's request timeout runs on the same clock.
   */
  async function driveClock(proxy: { inFlight: number }, done: () => boolean) {
    for (let i = 0; i < 4_000 && !done(); i += 1) {
      if (proxy.inFlight === 0) env.clock.advance(250);
      await realSleep(2);
    }
    expect(done()).toBe(true);
  }

  it('should retry a push the bouncer answered 500, with backoff, and deliver it', async () => {
    const proxy = await flakyProxy(env.stack.bouncer.url, 2);
    const url = env.zulip.settings().servicesUrl;
    env.zulip.updateSettings({ servicesUrl: proxy.url });
    try {
      const started = env.clock.now();
      const content = text();
      await env.zulip.sendMessage({ senderId: S.id, to: { type: 'direct', userIds: [E.id] }, content });
      let idle = false;
      void env.zulip.idle().then(() => (idle = true));
      await driveClock(proxy, () => idle);
      expect(proxy.pushRequests).toBe(3);
      expect(env.clock.now() - started).toBeGreaterThanOrEqual(6_000); // 2 s + 4 s
      expect(await e.nextNotification()).toMatchObject({ kind: 'message', body: content });
      const worker = env.zulipLog('zerver.worker.missedmessage_mobile_notifications');
      expect(worker).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^INFO:Retrying trigger:${E.id} event:push_notification in 2000 ms \\(attempt 2\\)`)),
          expect.stringMatching(new RegExp(`^INFO:Retrying trigger:${E.id} event:push_notification in 4000 ms \\(attempt 3\\)`)),
        ]),
      );
      expect(env.zulip.state.realm(small.id).pushNotificationsEnabled).toBe(true);
    } finally {
      env.zulip.updateSettings({ servicesUrl: url });
      await proxy.close();
    }
  });

  it('should give up after Zulip\'s retries, without switching pushes off', async () => {
    const proxy = await flakyProxy(env.stack.bouncer.url, Infinity);
    const url = env.zulip.settings().servicesUrl;
    env.zulip.updateSettings({ servicesUrl: proxy.url });
    try {
      await env.zulip.sendMessage({ senderId: S.id, to: { type: 'direct', userIds: [E.id] }, content: text() });
      let idle = false;
      void env.zulip.idle().then(() => (idle = true));
      await driveClock(proxy, () => idle);
      expect(proxy.pushRequests).toBe(4); // MAX_REQUEST_RETRIES = 3
      expect(proxy.forwarded).toBe(0);
      expect(env.zulipLog('zerver.worker.missedmessage_mobile_notifications')).toContain(
        `WARNING:Maximum retries exceeded for trigger:${E.id} event:push_notification`,
      );
      expect(await e.pollNotification({ timeoutMs: 50 })).toBeNull();
      expect(env.zulip.state.realm(small.id).pushNotificationsEnabled).toBe(true);
      expect(env.zulip.context.queue.failures).toEqual([]);
    } finally {
      env.zulip.updateSettings({ servicesUrl: url });
      await proxy.close();
    }
  });

  it('should answer 502 to an E2EE test notification the bouncer fails with 500', async () => {
    const proxy = await flakyProxy(env.stack.bouncer.url, 1);
    const url = env.zulip.settings().servicesUrl;
    env.zulip.updateSettings({ servicesUrl: proxy.url });
    try {
      const res = await env.api(E, 'POST', '/api/v1/mobile_push/e2ee/test_notification');
      expect(res).toEqual({
        status: 502,
        body: { result: 'error', msg: 'Internal server error on Zulip push notification service, retry later.', code: 'INTERNAL_SERVER_ERROR_ON_BOUNCER' },
      });
      // Not retried by the API: the next request goes through.
      expect((await env.api(E, 'POST', '/api/v1/mobile_push/e2ee/test_notification')).status).toBe(200);
      expect(await e.nextNotification()).toMatchObject({ kind: 'test' });
    } finally {
      env.zulip.updateSettings({ servicesUrl: url });
      await proxy.close();
    }
  });

  it('should drop a push the bouncer refuses with an unexpected 4xx, logging the class and message, without retrying', async () => {
    const proxy = await flakyProxy(env.stack.bouncer.url, 1, { status: 400, body: { result: 'error', msg: 'Something unexpected', code: 'BAD_REQUEST' } });
    const url = env.zulip.settings().servicesUrl;
    env.zulip.updateSettings({ servicesUrl: proxy.url });
    try {
      await send(S, [E]);
      expect(proxy.pushRequests).toBe(1);
      expect(await e.pollNotification({ timeoutMs: 50 })).toBeNull();
      expect(env.zulipLog('zerver.worker.missedmessage_mobile_notifications')).toContain(
        'ERROR:Problem handling data on queue missedmessage_mobile_notifications: BouncerJsonableError: Something unexpected',
      );
      expect(env.zulip.state.realm(small.id).pushNotificationsEnabled).toBe(true);
    } finally {
      env.zulip.updateSettings({ servicesUrl: url });
      await proxy.close();
    }
  });

  it('should switch the realm off when the bouncer says the organization is not registered (E2EE)', async () => {
    const proxy = await flakyProxy(env.stack.bouncer.url, 1, {
      status: 403,
      body: { result: 'error', msg: 'Organization not registered', code: 'MISSING_REMOTE_REALM' },
    });
    const url = env.zulip.settings().servicesUrl;
    env.zulip.updateSettings({ servicesUrl: proxy.url });
    try {
      await send(S, [E]);
      expect(await e.pollNotification({ timeoutMs: 50 })).toBeNull();
      expect(env.zulipLog()).toContain('WARNING:Bouncer refused to send E2EE push notification: Organization not registered');
      expect(env.zulip.state.realm(small.id)).toMatchObject({ pushNotificationsEnabled: false, pushNotificationsEnabledEndTimestamp: null });
    } finally {
      env.zulip.updateSettings({ servicesUrl: url });
      await proxy.close();
    }
    // The next push goes through and the bouncer's answer puts the realm back on.
    await send(S, [E]);
    expect(await e.nextNotification()).toMatchObject({ kind: 'message' });
    expect(env.zulip.state.realm(small.id).pushNotificationsEnabled).toBe(true);
  });
});
