/** Fault rules (scope = project, device = registration token): every kind of action, shares and times. */
import { FaultRuleError } from '../../core/provider-mock/faults';
import { createCertificateAuthority } from '../../core/tls';
import { FCM_ERRORS, type FcmErrorCode } from '../index';
import { accessToken, h2Request, request, send, sendPath, startTestFcm, type TestFcm } from './support';

let fcm: TestFcm;
let token: string;

beforeAll(async () => {
  fcm = await startTestFcm();
  token = await accessToken(fcm);
});
afterAll(() => fcm.stop());
afterEach(() => fcm.rules.clear());

const CANONICAL: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

it.each(Object.keys(FCM_ERRORS) as FcmErrorCode[])('should answer %s at its documented status with an FcmError', async (code) => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ match: { device: phone }, action: { kind: 'error', reason: code }, times: 1 });
  const res = await send(fcm, { token: phone }, { token });
  const status = FCM_ERRORS[code].httpStatus;
  expect(res.status).toBe(status);
  expect(res.json.error).toMatchObject({ code: status, status: CANONICAL[status], message: FCM_ERRORS[code].message });
  expect(res.json.error.details[0]).toEqual({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: code });
  expect(fcm.journal.list({ device: phone }).at(-1)!.outcome).toMatchObject({ accepted: false, reason: code, faultRuleId: expect.any(String) });
});

it('should send Retry-After with QUOTA_EXCEEDED and UNAVAILABLE, over every transport', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ match: { device: phone }, action: { kind: 'error', reason: 'UNAVAILABLE', retryAfterSeconds: 17 } });
  for (const via of ['http', 'https1', 'h2'] as const) {
    const res = await send(fcm, { token: phone }, { token, via });
    expect([res.status, res.headers['retry-after']]).toEqual([503, '17']);
  }
  fcm.rules.add({ match: { device: phone }, action: { kind: 'error', reason: 'INTERNAL', retryAfterSeconds: 5 } });
  fcm.rules.remove(fcm.rules.list()[0]!.id);
  expect((await send(fcm, { token: phone }, { token })).headers['retry-after']).toBeUndefined();
});

it('should let a rule choose another status, with the canonical status to match', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ match: { device: phone }, action: { kind: 'error', reason: 'INTERNAL', status: 502 } });
  const res = await send(fcm, { token: phone }, { token });
  expect(res.status).toBe(502);
  expect(res.json.error.status).toBe('UNKNOWN');
});

it('should refuse a reason that is not an FcmError code, in-process and over the admin surface', async () => {
  expect(() => fcm.rules.add({ action: { kind: 'error', reason: 'Unregistered' } })).toThrow(FaultRuleError);
  const res = await request(fcm, '/__admin/rules', { body: { action: { kind: 'error', reason: 'UNSPECIFIED_ERROR' } } });
  expect(res.status).toBe(400);
  expect(res.json.error).toMatch(/UNSPECIFIED_ERROR is not an FcmError code/);
});

it('should add latency, journal it, and still answer normally', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ id: 'slow', match: { device: phone }, action: { kind: 'latency', ms: 20 } });
  expect((await send(fcm, { token: phone }, { token })).status).toBe(200);
  const entry = fcm.journal.list({ device: phone }).at(-1)!;
  expect(entry.outcome).toMatchObject({ accepted: true, status: 200, addedLatencyMs: 20 });
  expect(entry.meta).toMatchObject({ firedRules: ['slow'] });
});

it('should reset the stream on HTTP/2 and the connection on HTTP/1.1', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ id: 'rst', match: { device: phone }, action: { kind: 'reset' } });
  await expect(send(fcm, { token: phone }, { token, via: 'h2' })).rejects.toThrow(/NGHTTP2_INTERNAL_ERROR/);
  await expect(send(fcm, { token: phone }, { token, via: 'https1' })).rejects.toThrow(/socket hang up/);
  await expect(send(fcm, { token: phone }, { token, via: 'http' })).rejects.toThrow(/fetch failed/);
  const entries = fcm.journal.list({ device: phone });
  expect(entries.map((e) => [e.request.httpVersion, e.outcome.status, e.meta?.fault, e.outcome.faultRuleId])).toEqual([
    ['2.0', 0, 'reset', 'rst'],
    ['1.1', 0, 'reset', 'rst'],
    ['1.1', 0, 'reset', 'rst'],
  ]);
});

it('should send GOAWAY on HTTP/2 and refuse the stream', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ match: { device: phone }, action: { kind: 'goaway' }, times: 1 });
  const body = JSON.stringify({ message: { token: phone } });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await expect(h2Request(fcm, sendPath(fcm.projectId), 'POST', headers, body)).rejects.toThrow(/NGHTTP2_REFUSED_STREAM|GOAWAY/);
  expect(fcm.journal.list({ device: phone }).at(-1)!.meta).toMatchObject({ fault: 'goaway' });
  // The next connection is served.
  expect((await h2Request(fcm, sendPath(fcm.projectId), 'POST', headers, body)).status).toBe(200);
});

it('should never answer a timeout request, leaving it to the client to give up', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ match: { device: phone }, action: { kind: 'timeout' } });
  const res = fetch(`${fcm.url}${sendPath(fcm.projectId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ message: { token: phone } }),
    signal: AbortSignal.timeout(100),
  });
  await expect(res).rejects.toThrow(/aborted|timeout/i);
  expect(fcm.journal.list({ device: phone }).at(-1)!.outcome).toMatchObject({ accepted: false, status: 0, reason: null });
});

it('should fire a rule at most `times` times and say so in explain()', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ id: 'twice', match: { device: phone }, action: { kind: 'error', reason: 'INTERNAL' }, times: 2 });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await send(fcm, { token: phone }, { token })).status);
  expect(statuses).toEqual([500, 500, 200]);
  expect(fcm.rules.explain()).toEqual([`twice: device ${phone} → error INTERNAL (fired 2 of 2 times)`]);
});

it('should match a project scope and leave other projects alone', async () => {
  const phone = fcm.createDevice().token;
  fcm.rules.add({ match: { scope: 'some-other-project' }, action: { kind: 'error', reason: 'UNAVAILABLE' } });
  expect((await send(fcm, { token: phone }, { token })).status).toBe(200);
  fcm.rules.add({ match: { scope: fcm.projectId }, action: { kind: 'error', reason: 'UNAVAILABLE' } });
  expect((await send(fcm, { token: phone }, { token })).status).toBe(503);
});

it('should draw shares from the seed, so the same seed faults the same requests', async () => {
  const ca = createCertificateAuthority('Share CA');
  const pattern = async (seed: number) => {
    await using m = await startTestFcm({ seed, ca });
    const t = await accessToken(m);
    const phone = m.createDevice().token;
    m.rules.add({ match: { share: 0.5 }, action: { kind: 'error', reason: 'UNAVAILABLE' } });
    const out: number[] = [];
    for (let i = 0; i < 12; i++) out.push((await send(m, { token: phone }, { token: t })).status);
    return out;
  };
  const [a, b] = [await pattern(5), await pattern(5)];
  expect(a).toEqual(b);
  expect(a).toContain(200);
  expect(a).toContain(503);
});
