/** Fault rules: an answer APNs could give, added latency, a reset stream, GOAWAY, silence; `times`. */
import http2 from 'node:http2';
import { FaultRuleError } from '../../core/provider-mock/faults';
import { ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns, type TestApns } from './support';

let apns: TestApns;
let client: ApnsTestClient;

beforeAll(async () => {
  apns = await startTestApns();
});
beforeEach(async () => {
  apns.rules.clear();
  client = await connectWithToken(apns);
});
afterEach(() => client.close());
afterAll(() => apns.stop());

const newPhone = () => apns.createDevice('org.zulip.Zulip');
const lastEntry = (token: string) => apns.journal.list({ device: token }).at(-1)!;

describe('error', () => {
  it('should answer with the reason at its documented status, with Retry-After on 429', async () => {
    const phone = newPhone();
    const rule = apns.rules.add({ match: { device: phone.token }, action: { kind: 'error', reason: 'TooManyRequests', retryAfterSeconds: 30 } });
    const res = await client.push({ token: phone.token });
    expect([res.status, JSON.parse(res.body), res.headers['retry-after']]).toEqual([429, { reason: 'TooManyRequests' }, '30']);
    expect(lastEntry(phone.token).outcome).toMatchObject({ accepted: false, status: 429, reason: 'TooManyRequests', faultRuleId: rule.id });
  });

  it('should send Retry-After with 503 but not with a 400', async () => {
    const phone = newPhone();
    apns.rules.add({ match: { device: phone.token }, times: 1, action: { kind: 'error', reason: 'ServiceUnavailable', retryAfterSeconds: 5 } });
    apns.rules.add({ match: { device: phone.token }, times: 1, action: { kind: 'error', reason: 'BadPriority', retryAfterSeconds: 5 } });
    const unavailable = await client.push({ token: phone.token });
    const badPriority = await client.push({ token: phone.token });
    expect([unavailable.status, unavailable.headers['retry-after']]).toEqual([503, '5']);
    expect([badPriority.status, badPriority.headers['retry-after']]).toEqual([400, undefined]);
  });

  it('should give an injected Unregistered the clock time as its timestamp', async () => {
    const phone = newPhone();
    apns.rules.add({ match: { device: phone.token }, action: { kind: 'error', reason: 'Unregistered' } });
    const res = await client.push({ token: phone.token });
    expect([res.status, JSON.parse(res.body)]).toEqual([410, { reason: 'Unregistered', timestamp: apns.clock.now() }]);
  });

  it('should refuse rules naming a reason APNs does not have, or the wrong status for one', () => {
    expect(() => apns.rules.add({ action: { kind: 'error', reason: 'NotRegistered' } })).toThrow(FaultRuleError);
    expect(() => apns.rules.add({ action: { kind: 'error', reason: 'BadDeviceToken', status: 404 } })).toThrow(
      'APNs answers BadDeviceToken with status 400, not 404',
    );
  });

  it('should match a topic', async () => {
    const phone = newPhone();
    apns.rules.add({ match: { scope: 'com.zulip.flutter' }, action: { kind: 'error', reason: 'InternalServerError' } });
    expect((await client.push({ token: phone.token })).status).toBe(200);
  });
});

describe('latency', () => {
  it('should add latency, then answer normally, and journal how much it added', async () => {
    const phone = newPhone();
    const rule = apns.rules.add({ match: { device: phone.token }, action: { kind: 'latency', ms: 25 } });
    const res = await client.push({ token: phone.token });
    expect(res.status).toBe(200);
    const entry = lastEntry(phone.token);
    expect(entry.outcome).toMatchObject({ accepted: true, status: 200, addedLatencyMs: 25 });
    expect(entry.meta?.faultRulesFired).toEqual([rule.id]);
  });
});

describe('reset', () => {
  it('should reset the stream, leaving the connection usable', async () => {
    const phone = newPhone();
    apns.rules.add({ match: { device: phone.token }, times: 1, action: { kind: 'reset' } });
    await expect(client.push({ token: phone.token })).rejects.toMatchObject({
      code: 'ERR_HTTP2_STREAM_ERROR',
      message: expect.stringContaining('NGHTTP2_INTERNAL_ERROR'),
    });
    expect(lastEntry(phone.token).outcome).toMatchObject({ accepted: false, status: 0 });
    expect(lastEntry(phone.token).meta?.fault).toBe('reset');
    expect((await client.push({ token: phone.token })).status).toBe(200);
  });
});

describe('goaway', () => {
  it('should send GOAWAY with a JSON reason and refuse the stream', async () => {
    const phone = newPhone();
    apns.rules.add({ match: { device: phone.token }, action: { kind: 'goaway' } });
    const goaway = new Promise<[number, Buffer | undefined]>((resolve) =>
      client.session.once('goaway', (code: number, _last: number, data?: Buffer) => resolve([code, data])),
    );
    await expect(client.push({ token: phone.token })).rejects.toMatchObject({ message: expect.stringContaining('NGHTTP2_REFUSED_STREAM') });
    const [code, data] = await goaway;
    expect(code).toBe(http2.constants.NGHTTP2_NO_ERROR);
    expect(JSON.parse(data!.toString())).toEqual({ reason: 'Shutdown' });
    expect(lastEntry(phone.token).meta?.fault).toBe('goaway');
  });
});

describe('timeout', () => {
  it('should never answer, so the client times out', async () => {
    const phone = newPhone();
    apns.rules.add({ match: { device: phone.token }, action: { kind: 'timeout' } });
    await expect(client.push({ token: phone.token, timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(lastEntry(phone.token).meta?.fault).toBe('timeout');
  });
});

describe('times', () => {
  it('should fire a rule only as often as `times` says', async () => {
    const phone = newPhone();
    const rule = apns.rules.add({ match: { device: phone.token }, times: 2, action: { kind: 'error', reason: 'InternalServerError' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await client.push({ token: phone.token })).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect(apns.rules.list().find((r) => r.id === rule.id)!.hits).toBe(2);
  });
});
