/** The log: one INFO line per request in a fixed grammar — never a payload, never a provider token. */
import { LEVELS } from '../../core/logging';
import { ApnsTestClient } from './h2-client';
import { providerToken, startTestApns, type TestApns } from './support';

let apns: TestApns;

beforeAll(async () => {
  apns = await startTestApns();
});
afterAll(() => apns.stop());

it('should log each request once, without its payload or token', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const jwt = await providerToken(apns);
  const client = await ApnsTestClient.connect(apns, { jwt });
  const canary = 'canary-Ophelia-7c1f';
  const id = '5b0e1f8a-3a6e-4f59-9a4e-2b1c0d9e8f7a';
  await client.push({ token: phone.token, body: JSON.stringify({ aps: { alert: canary } }), headers: { 'apns-id': id } });
  await client.push({ token: phone.token, body: JSON.stringify({ aps: { alert: canary } }), jwt: 'bearer-junk-' + jwt.slice(0, 20) });
  await client.close();

  const lines = apns.logLines().filter((l) => l.logger === 'apns.requests' && l.msg.includes(phone.token));
  expect(lines.map((l) => [l.level, l.msg.replace(/apns-id \S+/, 'apns-id …')])).toEqual([
    [LEVELS.info, `APNs: 200 Success for device ${phone.token} topic org.zulip.Zulip apns-id …`],
    [LEVELS.info, `APNs: 403 InvalidProviderToken for device ${phone.token} topic org.zulip.Zulip apns-id … (not a JWT)`],
  ]);
  expect(lines[0]!.msg).toMatch(new RegExp(`apns-id ${id}$`));
  const text = apns.logLines().map((l) => JSON.stringify(l)).join('\n');
  expect(text).not.toContain(canary);
  expect(text).not.toContain(jwt);
});
