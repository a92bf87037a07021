/**
 * Test fixtures for registration transfer: a fake Zulip server that serves
 * `GET /api/v1/zulip-services/verify/<access_token>/` over real HTTPS on loopback, and the
 * other kinds of host the bouncer may meet (silent, gone).
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { CertificateAuthority, IssuedCertificate } from '../../core/tls';
import { issueServerCertificate } from '../../core/tls';

const VERIFY_PREFIX = '/api/v1/zulip-services/verify/';

export interface FakeZulipHost {
  port: number;
  /** Serve `secret` for `accessToken` (Zulip keeps one in Redis at a time). */
  prepare(accessToken: string, verificationSecret: string): void;
  /** Answer every request this way instead (e.g. a 403, a non-JSON body). */
  override(handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined): void;
  /** `Host` header and path of each request received. */
  requests: { host: string | undefined; path: string }[];
  close(): Promise<void>;
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeZulipHost(
  ca: CertificateAuthority,
  hostnames: string[],
  certificate: IssuedCertificate = issueServerCertificate(ca, hostnames),
): Promise<FakeZulipHost> {
  let prepared: { accessToken: string; secret: string } | undefined;
  let custom: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  const requests: FakeZulipHost['requests'] = [];

  const server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    const path = req.url ?? '';
    requests.push({ host: req.headers.host, path });
    if (custom) return custom(req, res);
    const token = path.startsWith(VERIFY_PREFIX) && path.endsWith('/') ? path.slice(VERIFY_PREFIX.length, -1) : undefined;
    if (req.method === 'GET' && prepared && token === prepared.accessToken) {
      return json(res, 200, { result: 'success', msg: '', verification_secret: prepared.secret });
    }
    // Missing, expired or wrong token: deliberately indistinguishable (zerver/views).
    json(res, 400, {
      result: 'error',
      msg: 'Verification secret not prepared',
      code: 'REMOTE_SERVER_VERIFICATION_SECRET_NOT_PREPARED',
    });
  });
  // A client that gives up mid-response (timeouts, TLS failures) must not crash the test host.
  server.on('connection', (socket: net.Socket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  return {
    port,
    prepare: (accessToken, secret) => {
      prepared = { accessToken, secret };
    },
    override: (handler) => {
      custom = handler;
    },
    requests,
    close: () => close(server),
  };
}

/** Accepts TCP connections and never says a word (not even a TLS ServerHello). */
export async function startSilentHost(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return close(server);
    },
  };
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function close(server: net.Server): Promise<void> {
  (server as Partial<https.Server>).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A fresh, random access token like `secrets.token_urlsafe(32)`. */
export const newAccessToken = () => crypto.randomBytes(32).toString('base64url');
