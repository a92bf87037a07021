/**
 * The mock FCM's two listeners, one handler:
 *  - TLS: `http2.createSecureServer({ allowHTTP1: true })` — HTTP/2 and HTTP/1.1 on one port, as
 *    fcm.googleapis.com does (firebase-admin's send() speaks HTTP/1.1, sendEach() HTTP/2;
 *    providers.md §A2). The certificate names fcm.googleapis.com and oauth2.googleapis.com, so a
 *    redirected client verifies it as the real hosts.
 *  - plain HTTP (node:http), because `up --json` gives `fcm.url` and `tokenUri` as http://
 *    (interfaces.md).
 *
 * Known limit (client-redirect.md §2c): firebase-admin's HTTP/2 requests carry the pseudo-header
 * `:scheme: "https:"` (URL.protocol, colon included). nghttp2 — under every node:http2 server —
 * refuses it with RST_STREAM(PROTOCOL_ERROR) before any JavaScript runs, so no server-side fix
 * exists in Node. Clients get `client-redirect.cjs`, which rewrites it to `https`, or use
 * `enableLegacyHttpTransport()`.
 *
 * Also the transport half of fault rules: reset, GOAWAY and "never answer".
 */
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import type { AnyRequest, AnyResponse } from '../core/provider-mock/admin';

export type DropAction = 'reset' | 'goaway' | 'timeout';

export interface Transport {
  drop(req: AnyRequest, res: AnyResponse, action: DropAction): void;
}

const { NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

export class FcmServers implements Transport {
  readonly http: http.Server;
  readonly tls: http2.Http2SecureServer;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** Responses a `timeout` fault holds open until the client gives up or the mock stops. */
  private readonly held = new Set<AnyResponse>();

  constructor(handler: (req: AnyRequest, res: AnyResponse) => void, tls: { key: string; cert: string }) {
    this.http = http.createServer(handler);
    // Longer than any client's keep-alive, so an idle pooled connection is never closed under a request.
    this.http.keepAliveTimeout = 65_000;
    this.http.headersTimeout = 66_000;
    this.tls = http2.createSecureServer({ ...tls, allowHTTP1: true }, handler);
    this.tls.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.tls.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
  }

  async listen(host: string, port: number, tlsPort: number): Promise<{ port: number; tlsPort: number }> {
    const listenOn = (server: net.Server, p: number) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, host, () => {
          server.off('error', reject);
          resolve((server.address() as net.AddressInfo).port);
        });
      });
    return { port: await listenOn(this.http, port), tlsPort: await listenOn(this.tls, tlsPort) };
  }

  drop(req: AnyRequest, res: AnyResponse, action: DropAction): void {
    const stream = 'stream' in req ? req.stream : null;
    switch (action) {
      case 'reset':
        // HTTP/2: RST_STREAM on this stream only; HTTP/1.1: the connection is all there is.
        if (stream) stream.close(NGHTTP2_INTERNAL_ERROR);
        else req.socket.destroy();
        return;
      case 'goaway':
        if (stream) {
          // Everything up to the previous client stream is processed; this one is refused.
          stream.session?.goaway(NGHTTP2_NO_ERROR, Math.max(0, (stream.id ?? 1) - 2));
          stream.close(NGHTTP2_REFUSED_STREAM);
          stream.session?.close();
        } else {
          // HTTP/1.1 has no GOAWAY: the nearest thing is closing the connection unanswered.
          req.socket.destroy();
        }
        return;
      case 'timeout':
        this.held.add(res);
        res.on('close', () => this.held.delete(res));
        return;
    }
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    const closed = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));
    const done = Promise.all([closed(this.http), closed(this.tls)]);
    this.http.closeAllConnections();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    await done;
  }
}
