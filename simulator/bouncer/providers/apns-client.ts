/**
 * The bouncer's APNs client (bouncer-protocol.md §7.2–§7.3): HTTP/2 over TLS to Apple (here:
 * the mock), one session reused across requests and concurrent streams, ES256 provider tokens
 * made with jose. Like aioapns, a token is refreshed every 30 minutes — well inside Apple's one
 * hour, and never more often than its 20-minute limit. A dropped session (GOAWAY, reset, idle
 * close) is replaced on the next send; a request that cannot be sent resolves as a connection
 * error instead of throwing, so one bad device never fails a batch.
 */
import crypto from 'node:crypto';
import http2 from 'node:http2';
import { SignJWT, importPKCS8, type CryptoKey, type KeyObject } from 'jose';
import type { Clock } from '../../core/clock';

export interface ApnsClientConfig {
  /** e.g. https://api.push.apple.com or the mock's https://127.0.0.1:PORT */
  url: string;
  /** Extra CA certificates to trust (the mock's throwaway CA). */
  caPem?: string;
  teamId: string;
  keyId: string;
  /** The .p8 (PKCS#8 PEM) ES256 key. */
  keyPem: string;
  /** Per-request timeout in real ms. */
  timeoutMs?: number;
}

export interface ApnsNotification {
  deviceToken: string;
  topic: string;
  /** The JSON payload, sent verbatim. */
  payload: unknown;
  priority?: 10 | 5 | 1;
  pushType?: string;
  /** Unix seconds; Zulip's legacy path uses now + 24 h. */
  expiration?: number;
  collapseId?: string;
}

export type ApnsResult =
  | { kind: 'success'; apnsId: string | null }
  /** APNs answered with a status and a reason. */
  | { kind: 'failure'; status: number; reason: string; timestamp?: number; apnsId: string | null }
  /** No answer: connection refused, TLS failure, reset, timeout. */
  | { kind: 'connection-error'; error: string };

/** aioapns TOKEN_TTL: a new provider token every 30 minutes. */
export const PROVIDER_TOKEN_TTL_MS = 30 * 60 * 1000;

export class ApnsClient {
  private session: http2.ClientHttp2Session | null = null;
  private key: Promise<CryptoKey | KeyObject> | null = null;
  private token: { jwt: string; issuedAt: number } | null = null;
  private closed = false;

  constructor(
    private readonly config: ApnsClientConfig,
    private readonly clock: Clock,
  ) {}

  /** The JWT a request should carry; logs must never contain it (the caller registers it as a secret). */
  async providerToken(): Promise<string> {
    const now = this.clock.now();
    if (this.token && now - this.token.issuedAt < PROVIDER_TOKEN_TTL_MS) return this.token.jwt;
    this.key ??= importPKCS8(this.config.keyPem, 'ES256');
    const iat = Math.floor(now / 1000);
    const jwt = await new SignJWT({ iss: this.config.teamId, iat })
      .setProtectedHeader({ alg: 'ES256', kid: this.config.keyId })
      .sign(await this.key);
    this.token = { jwt, issuedAt: now };
    this.onNewToken?.(jwt);
    return jwt;
  }

  /** Called with every new provider token (the bouncer adds it to its log redactor). */
  onNewToken?: (jwt: string) => void;

  async send(n: ApnsNotification): Promise<ApnsResult> {
    let jwt: string;
    try {
      jwt = await this.providerToken();
    } catch (e) {
      return { kind: 'connection-error', error: `cannot sign a provider token: ${(e as Error).message}` };
    }
    const body = Buffer.from(JSON.stringify(n.payload));
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': `/3/device/${n.deviceToken}`,
      authorization: `bearer ${jwt}`,
      'apns-topic': n.topic,
      'apns-id': crypto.randomUUID(),
    };
    if (n.priority !== undefined) headers['apns-priority'] = String(n.priority);
    if (n.pushType !== undefined) headers['apns-push-type'] = n.pushType;
    if (n.expiration !== undefined) headers['apns-expiration'] = String(n.expiration);
    if (n.collapseId !== undefined) headers['apns-collapse-id'] = n.collapseId;
    return this.request(headers, body);
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = null;
  }

  private connect(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2.connect(this.config.url, this.config.caPem ? { ca: this.config.caPem } : {});
    // A session that goes away is forgotten; the next send dials a new one.
    const forget = () => {
      if (this.session === session) this.session = null;
    };
    session.on('goaway', forget);
    session.on('close', forget);
    session.on('error', forget);
    this.session = session;
    return session;
  }

  private request(headers: http2.OutgoingHttpHeaders, body: Buffer): Promise<ApnsResult> {
    if (this.closed) return Promise.resolve({ kind: 'connection-error', error: 'client closed' });
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: ApnsResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        stream?.close(http2.constants.NGHTTP2_CANCEL);
        done({ kind: 'connection-error', error: 'timeout' });
      }, this.config.timeoutMs ?? 10_000);
      let stream: http2.ClientHttp2Stream | undefined;
      try {
        // A session-level failure (refused, TLS, GOAWAY) reaches each open stream as
        // 'error'/'close', so no per-request session listener is needed.
        stream = this.connect().request(headers);
      } catch (e) {
        done({ kind: 'connection-error', error: (e as Error).message });
        return;
      }
      let status = 0;
      let apnsId: string | null = null;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        apnsId = typeof h['apns-id'] === 'string' ? h['apns-id'] : null;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e: Error) => done({ kind: 'connection-error', error: e.message }));
      stream.on('close', () => {
        if (status === 0) return done({ kind: 'connection-error', error: 'stream closed without a response' });
        if (status === 200) return done({ kind: 'success', apnsId });
        let reason = 'UnknownError';
        let timestamp: number | undefined;
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reason?: unknown; timestamp?: unknown };
          if (typeof parsed.reason === 'string') reason = parsed.reason;
          if (typeof parsed.timestamp === 'number') timestamp = parsed.timestamp;
        } catch {
          /* a failure without a JSON body keeps the generic reason */
        }
        done({ kind: 'failure', status, reason, timestamp, apnsId });
      });
      stream.end(body);
    });
  }
}
