/** The body: empty, too large (4096 bytes; 5120 for VoIP), not a JSON dictionary. */
import type { Device } from '../../core/provider-mock/devices';
import { ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns, type TestApns } from './support';

let apns: TestApns;
let client: ApnsTestClient;
let phone: Device;

beforeAll(async () => {
  apns = await startTestApns();
  client = await connectWithToken(apns);
  phone = apns.createDevice('org.zulip.Zulip');
});
afterAll(async () => {
  await client.close();
  await apns.stop();
});

/** An alert payload of exactly `bytes` bytes of UTF-8, padded with `filler`. */
function payloadOfBytes(bytes: number, filler = 'x'): string {
  const frame = JSON.stringify({ aps: { alert: '' } });
  const fillerBytes = Buffer.byteLength(filler);
  const room = bytes - Buffer.byteLength(frame);
  const text = filler.repeat(Math.floor(room / fillerBytes)) + 'x'.repeat(room % fillerBytes);
  const payload = JSON.stringify({ aps: { alert: text } });
  expect(Buffer.byteLength(payload)).toBe(bytes);
  return payload;
}

const voip = { 'apns-push-type': 'voip', 'apns-topic': 'org.zulip.Zulip.voip' };

it('should answer an empty body with 400 PayloadEmpty', async () => {
  const res = await client.push({ token: phone.token, body: '' });
  expect([res.status, JSON.parse(res.body)]).toEqual([400, { reason: 'PayloadEmpty' }]);
});

it('should accept exactly 4096 bytes', async () => {
  const res = await client.push({ token: phone.token, body: payloadOfBytes(4096) });
  expect(res.status).toBe(200);
});

it('should answer 4097 bytes with 413 PayloadTooLarge', async () => {
  const res = await client.push({ token: phone.token, body: payloadOfBytes(4097) });
  expect([res.status, JSON.parse(res.body)]).toEqual([413, { reason: 'PayloadTooLarge' }]);
});

it('should count bytes, not characters', async () => {
  expect((await client.push({ token: phone.token, body: payloadOfBytes(4096, 'é') })).status).toBe(200);
  expect((await client.push({ token: phone.token, body: payloadOfBytes(4097, 'é') })).status).toBe(413);
});

it('should allow a VoIP push 5120 bytes and refuse 5121', async () => {
  expect((await client.push({ token: phone.token, headers: voip, body: payloadOfBytes(5120) })).status).toBe(200);
  const res = await client.push({ token: phone.token, headers: voip, body: payloadOfBytes(5121) });
  expect([res.status, JSON.parse(res.body)]).toEqual([413, { reason: 'PayloadTooLarge' }]);
});

it('should hold an alert push to 4096 bytes even when a VoIP push could be larger', async () => {
  const res = await client.push({ token: phone.token, body: payloadOfBytes(5120) });
  expect(res.status).toBe(413);
});

it.each([
  ['text that is not JSON', 'hello'],
  ['truncated JSON', '{"aps":{"alert":"hi"}'],
  ['a JSON array', '[{"aps":{}}]'],
  ['a JSON string', '"aps"'],
  ['JSON null', 'null'],
])('should answer %s with 400 PayloadEmpty, the closest documented reason', async (_what, body) => {
  const res = await client.push({ token: phone.token, body });
  expect([res.status, JSON.parse(res.body)]).toEqual([400, { reason: 'PayloadEmpty' }]);
});

it('should accept a dictionary without aps, as APNs does, and flag it in the journal', async () => {
  const res = await client.push({ token: phone.token, body: '{"zulip":{"event":"remove"}}' });
  expect(res.status).toBe(200);
  const [entry] = apns.journal.list({ device: phone.token, limit: 1 });
  expect(entry!.notification).toEqual({ zulip: { event: 'remove' } });
  expect(entry!.meta?.apsMissing).toBe(true);
});
