/**
 * The HTTP/2 wiring: one TLS port speaking h2 (the push API) and HTTP/1.1 (so curl, fetch and
 * node:https reach the admin surface too). Push requests are handled on raw HTTP/2 streams —
 * no compatibility-layer objects per request — and admin requests, on either protocol, get the
 * request/response objects handleAdmin is written for.
 */
import http2, { type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ADMIN_PREFIX, handleAdmin, readBody, sendJson, type AdminTarget } from '../core/provider-mock/admin';
import { newConnectionTokenState } from './provider-token';
import type { ApnsConnection, PushHandler } from './push-handler';

export interface ApnsServerOptions {
  keyPem: string;
  certPem: string;
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients. */
  maxConcurrentStreams: number;
  push: PushHandler;
  admin: AdminTarget;
}

export interface ApnsServer {
  listen(host: string, port: number): Promise<{ address: string; port: number; family: string }>;
  /** Live HTTP/2 connections. */
  connectionCount(): number;
  close(): Promise<void>;
}

const HTTP1_REFUSAL =
  'APNs speaks HTTP/2 only: this request came over HTTP/1.1. Use an HTTP/2 client (ALPN h2); ' +
  `HTTP/1.1 reaches only the admin surface under ${ADMIN_PREFIX}/.`;

export function createApnsServer(opts: ApnsServerOptions): ApnsServer {
  const server = http2.createSecureServer({
    key: opts.keyPem,
    cert: opts.certPem,
    allowHTTP1: true,
    minVersion: 'TLSv1.2',
    settings: { maxConcurrentStreams: opts.maxConcurrentStreams },
  });
  const connections = new WeakMap<Http2Session, ApnsConnection>();
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;

  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: Http2Session) => {
    // Each connection has its own provider-token state (provider-token.ts). Node answers PING
    // frames itself; nothing here may block the loop long enough to delay them.
    connections.set(session, { id: nextConnectionId++, tokens: newConnectionTokenState() });
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });

  // HTTP/1.1 requests. Registering a 'request' listener makes node install its compatibility
  // adapter for HTTP/2 streams too; it is removed below so each h2 stream is handled once.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.httpVersionMajor === 2) return; // only if a future node keeps its adapter
    void onHttp1(req, res);
  });
  server.removeAllListeners('stream');
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const path = headers[':path'] ?? '';
    if (path.startsWith(ADMIN_PREFIX)) {
      const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
      const res = new http2.Http2ServerResponse(stream);
      stream.on('error', () => undefined);
      void handleAdmin(req, res, opts.admin);
      return;
    }
    const conn = stream.session && connections.get(stream.session);
    if (!conn) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    opts.push.handleStream(stream, headers, rawHeaders, conn);
  });

  async function onHttp1(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').startsWith(ADMIN_PREFIX)) {
      await handleAdmin(req, res, opts.admin);
      return;
    }
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const responseBody = JSON.stringify({ error: HTTP1_REFUSAL });
    opts.push.recordHttp1(req.method ?? '', req.url ?? '', req.headers, body, 505, responseBody);
    sendJson(res, 505, { error: HTTP1_REFUSAL });
  }

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address();
          if (!a || typeof a === 'string') return reject(new Error('the mock APNs did not bind a TCP port'));
          resolve(a);
        });
      }),
    connectionCount: () => sessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        opts.push.cancelTimers();
        server.close(() => resolve());
        for (const s of sessions) s.destroy();
        for (const s of sockets) s.destroy();
      }),
  };
}
