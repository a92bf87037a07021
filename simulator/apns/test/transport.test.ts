/** HTTP/2 over TLS as clients meet it: certificates for Apple's names, PING, `host`, HTTP/1.1. */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { APNS_HOSTNAMES } from '../index';
import { ApnsTestClient } from './h2-client';
import { connectWithToken, startTestApns, type TestApns } from './support';

let apns: TestApns;
let client: ApnsTestClient;

beforeAll(async () => {
  apns = await startTestApns();
  client = await connectWithToken(apns);
});
afterAll(async () => {
  await client.close();
  await apns.stop();
});

it.each(APNS_HOSTNAMES.filter((h) => !h.includes(':') && !/^\d/.test(h)))(
  'should present a certificate the CA vouches for as %s, offering h2',
  async (servername) => {
    const socket = tls.connect({ host: '127.0.0.1', port: apns.port, servername, ca: apns.caCertPem, ALPNProtocols: ['h2'] });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect([socket.authorized, socket.alpnProtocol]).toEqual([true, 'h2']);
    socket.destroy();
  },
);

it('should write its CA where another process can load it', () => {
  expect(fs.readFileSync(apns.caCertFile, 'utf8')).toBe(apns.caCertPem);
  expect(path.dirname(apns.caCertFile)).toBe(path.join(apns.dataDir, 'apns'));
});

it('should accept a `host` header in place of :authority, as aioapns sends', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const res = await client.push({ token: phone.token, headers: { ':authority': undefined, host: 'api.push.apple.com' } });
  expect(res.status).toBe(200);
  const entry = apns.journal.list({ device: phone.token })[0]!;
  expect(entry.request.headers[':authority']).toBeUndefined();
  expect(entry.request.headers.host).toBe('api.push.apple.com');
});

it('should advertise its stream limit (default 1000, configurable)', () => {
  expect(client.session.remoteSettings.maxConcurrentStreams).toBe(1000);
});

it('should answer HTTP/2 PING frames', async () => {
  await expect(client.ping()).resolves.toEqual(expect.any(Number));
});

it('should serve many concurrent streams on one connection', async () => {
  const phones = Array.from({ length: 50 }, () => apns.createDevice('org.zulip.Zulip'));
  const results = await Promise.all(phones.map((p) => client.push({ token: p.token })));
  expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
});

it('should refuse the push API over HTTP/1.1 with an explanation, and journal it', async () => {
  const phone = apns.createDevice('org.zulip.Zulip');
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(`${apns.url}/3/device/${phone.token}`, { method: 'POST', ca: apns.caCertPem }, (r) => {
      let body = '';
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('{"aps":{}}');
  });
  expect(res.status).toBe(505);
  expect(JSON.parse(res.body).error).toMatch(/APNs speaks HTTP\/2 only/);
  const [entry] = apns.journal.list({ device: phone.token });
  expect([entry!.request.httpVersion, entry!.outcome.status, entry!.outcome.accepted]).toEqual(['1.1', 505, false]);
});
