/** One service, three ways in: HTTP/2 and HTTP/1.1 on the TLS port, HTTP/1.1 on the plain port. */
import tls from 'node:tls';
import { createCertificateAuthority } from '../../core/tls';
import { accessToken, assertionFor, JWT_BEARER, readServiceAccount, request, send, startTestFcm, type TestFcm } from './support';

const ca = createCertificateAuthority('Stack CA');
let fcm: TestFcm;
let token: string;

beforeAll(async () => {
  fcm = await startTestFcm({ ca });
  token = await accessToken(fcm);
});
afterAll(() => fcm.stop());

it.each([
  ['h2', '2.0'],
  ['https1', '1.1'],
  ['http', '1.1'],
] as const)('should accept a send over %s', async (via, httpVersion) => {
  const phone = fcm.createDevice().token;
  const res = await send(fcm, { token: phone, data: { a: 'b' } }, { token, via });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
  expect(fcm.journal.list({ device: phone }).at(-1)!.request.httpVersion).toBe(httpVersion);
});

it.each(['h2', 'https1'] as const)('should serve the token endpoint over %s on the TLS port', async (via) => {
  const assertion = assertionFor({ clock: fcm.clock, tokenUri: fcm.tlsTokenUri }, readServiceAccount(fcm.serviceAccountFile));
  const body = new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString();
  const res = await request(fcm, '/token', { via, body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status).toBe(200);
  expect(res.json.token_type).toBe('Bearer');
});

it('should use the CA it was given and a certificate for the real hostnames', async () => {
  expect(fcm.caCertPem).toBe(ca.certPem);
  const handshake = (servername: string) =>
    new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: fcm.tlsPort, servername, ca: ca.certPem, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        resolve(`ok ${socket.alpnProtocol}`);
        socket.destroy();
      });
      socket.on('error', (e) => resolve(e.message));
    });
  expect(await handshake('fcm.googleapis.com')).toBe('ok h2');
  expect(await handshake('oauth2.googleapis.com')).toBe('ok h2');
  expect(await handshake('api.push.apple.com')).toMatch(/does not match certificate's altnames/);
});

it("should answer an unknown path with Google's 404 page and journal it", async () => {
  const res = await request(fcm, '/fcm/send', { body: { to: 'x' } });
  expect(res.status).toBe(404);
  expect(res.text).toContain('The requested URL <code>/fcm/send</code> was not found on this server.');
  expect(fcm.journal.list().at(-1)!.outcome).toMatchObject({ status: 404, reason: 'NOT_FOUND' });
});
