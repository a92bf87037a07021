/**
 * A raw node:http2 client for the mock APNs, so tests can send exactly the frames they mean:
 * any header, repeated headers, a `host` header instead of `:authority`, no token at all.
 * TLS is verified against the mock's CA.
 */
import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';

export interface H2Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PushSpec {
  token: string;
  /** Header overrides; `undefined` removes a default header. */
  headers?: Record<string, string | string[] | undefined>;
  /** Default: a small alert payload. */
  body?: string | Buffer;
  /** Default: the client's provider token; null sends no authorization header. */
  jwt?: string | null;
  /** Client-side stream timeout (real ms); the promise rejects with code 'TIMEOUT'. */
  timeoutMs?: number;
}

export const DEFAULT_PAYLOAD = JSON.stringify({ aps: { alert: { title: 'Hamlet', body: 'To be, or not to be' } } });

export class ApnsTestClient {
  private constructor(
    readonly session: ClientHttp2Session,
    public jwt: string | null,
    private readonly topic: string,
  ) {}

  /** Opens one HTTP/2 connection (= one APNs connection, with its own provider-token state). */
  static connect(target: { url: string; caCertPem: string }, opts: { jwt?: string | null; topic?: string } = {}): Promise<ApnsTestClient> {
    const session = http2.connect(target.url, { ca: target.caCertPem });
    return new Promise((resolve, reject) => {
      session.once('error', reject);
      session.once('connect', () => {
        session.off('error', reject);
        session.on('error', () => undefined);
        resolve(new ApnsTestClient(session, opts.jwt ?? null, opts.topic ?? 'org.zulip.Zulip'));
      });
    });
  }

  push(spec: PushSpec): Promise<H2Response> {
    const jwt = spec.jwt === undefined ? this.jwt : spec.jwt;
    const headers: OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': `/3/device/${spec.token}`,
      'apns-topic': this.topic,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      ...(jwt !== null ? { authorization: `bearer ${jwt}` } : {}),
    };
    for (const [k, v] of Object.entries(spec.headers ?? {})) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    return this.request(headers, spec.body ?? DEFAULT_PAYLOAD, spec.timeoutMs);
  }

  request(headers: OutgoingHttpHeaders, body: string | Buffer = '', timeoutMs?: number): Promise<H2Response> {
    return new Promise((resolve, reject) => {
      const req = this.session.request(headers);
      let status = 0;
      let responseHeaders: IncomingHttpHeaders = {};
      let text = '';
      req.setEncoding('utf8');
      req.on('response', (h) => {
        responseHeaders = h;
        status = Number(h[':status']);
      });
      req.on('data', (d: string) => (text += d));
      req.on('end', () => resolve({ status, headers: responseHeaders, body: text }));
      req.on('error', reject);
      if (timeoutMs !== undefined) {
        req.setTimeout(timeoutMs, () => {
          req.close(http2.constants.NGHTTP2_CANCEL);
          reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' }));
        });
      }
      // node ends GET/HEAD/DELETE streams with the headers; they carry no body.
      if (!req.writableEnded) req.end(body);
    });
  }

  /** An HTTP/2 PING round trip; resolves with its duration. */
  ping(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.session.ping((err, duration) => (err ? reject(err) : resolve(duration)));
    });
  }

  close(): Promise<void> {
    if (this.session.closed || this.session.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.session.close(() => resolve()));
  }
}
