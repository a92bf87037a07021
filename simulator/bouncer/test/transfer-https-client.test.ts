/**
 * The HTTPS client behind verify_challenge: hostnames resolve only through its table, TLS is
 * checked against the hostname with only the configured CAs, connection errors are retried.
 */
import { createCertificateAuthority, type CertificateAuthority } from '../../core/tls';
import { HostRequestError } from '../transfer/host-client';
import { createHttpsHostClient } from '../transfer/https-host-client';
import { closedPort, startFakeZulipHost, type FakeZulipHost } from './transfer-host';

let ca: CertificateAuthority;
let host: FakeZulipHost;
beforeAll(async () => {
  ca = createCertificateAuthority();
  host = await startFakeZulipHost(ca, ['zulip.example.net', '127.0.0.1']);
});
afterAll(() => host.close());
afterEach(() => host.override(undefined));

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof HostRequestError ? e.kind : e),
  );

it('should reach a host:port key before the bare hostname, sending the real Host header', async () => {
  const client = createHttpsHostClient({
    hosts: { 'zulip.example.net:8443': { host: '127.0.0.1', port: host.port } },
    caCertsPem: [ca.certPem],
  });
  const res = await client.get('https://zulip.example.net:8443/api/v1/zulip-services/verify/t/');
  expect(res.status).toBe(400); // nothing prepared: the fake Zulip answered
  expect(host.requests.at(-1)).toEqual({ host: 'zulip.example.net:8443', path: '/api/v1/zulip-services/verify/t/' });
});

it('should verify an IP-literal hostname against the IP SANs', async () => {
  const client = createHttpsHostClient({
    hosts: { '127.0.0.1': { host: '127.0.0.1', port: host.port } },
    caCertsPem: [ca.certPem],
  });
  expect((await client.get('https://127.0.0.1/x')).status).toBe(400);
});

it('should trust no CA by default', async () => {
  const client = createHttpsHostClient({ hosts: { 'zulip.example.net': { host: '127.0.0.1', port: host.port } } });
  expect(await errorOf(client.get('https://zulip.example.net/x'))).toBe('ssl');
});

it('should retry connection errors `retries` times, and not other errors', async () => {
  const lookups: string[] = [];
  const refused = { host: '127.0.0.1', port: await closedPort() };
  const client = createHttpsHostClient({
    hosts: (name) => {
      lookups.push(name);
      return name === 'refused.example.net' ? refused : undefined;
    },
    retries: 2,
  });
  expect(await errorOf(client.get('https://nowhere.example.net/x'))).toBe('connection');
  expect(lookups.filter((n) => n === 'nowhere.example.net')).toHaveLength(3);
  expect(await errorOf(client.get('https://refused.example.net/x'))).toBe('connection');
  expect(lookups.filter((n) => n === 'refused.example.net')).toHaveLength(3);
});

it('should follow redirects like requests does for a GET', async () => {
  host.override((req, res) => {
    if (req.url === '/start') {
      res.writeHead(302, { location: '/end' });
      res.end();
    } else res.end('{"ok":true}');
  });
  const client = createHttpsHostClient({
    hosts: { 'zulip.example.net': { host: '127.0.0.1', port: host.port } },
    caCertsPem: [ca.certPem],
  });
  const res = await client.get('https://zulip.example.net/start');
  expect(res).toEqual({ status: 200, body: Buffer.from('{"ok":true}') });
});

it('should give up after 30 redirects', async () => {
  host.override((_req, res) => {
    res.writeHead(301, { location: '/again' });
    res.end();
  });
  const client = createHttpsHostClient({
    hosts: { 'zulip.example.net': { host: '127.0.0.1', port: host.port } },
    caCertsPem: [ca.certPem],
  });
  expect(await errorOf(client.get('https://zulip.example.net/loop'))).toBe('other');
});
