/**
 * The real TransferHostClient: an HTTPS GET with node:https, shaped like the requests session
 * Zulip uses for `https://<hostname>/api/v1/zulip-services/verify/<token>/` (§3.3).
 *
 * No DNS, ever: a hostname is reached only through the `hosts` table (the simulator's world of
 * hosts); an unknown hostname is a connection error, as a failed lookup is in requests. The TCP
 * connection goes to the table's host:port while SNI, the Host header and certificate
 * verification all use the real hostname, and only `caCertsPem` is trusted (none by default, so
 * every handshake fails verification).
 *
 * Failures are classified the way Zulip's except-clauses see requests' exceptions:
 *  - unknown host, refused/reset connection, TCP connect timeout (requests' ConnectTimeout is
 *    a ConnectionError first), a connection closed without a response → 'connection';
 *  - certificate or handshake failure → 'ssl';
 *  - silence after the TCP connection, before the response head → 'timeout' (ReadTimeout);
 *    silence mid-body → 'connection' (requests re-raises it as ConnectionError);
 *  - anything else (too many redirects, truncated or oversized body) → 'other'.
 * `timeoutMs` is per phase and resets on activity, as requests' connect/read timeouts do.
 * Only connection errors raised before a response are retried, immediately (urllib3 would also
 * retry read and SSL errors, backing off 0/2/4 s; here a dead or silent host fails fast).
 * Redirects are followed like requests does for GET (at most 30).
 *
 * Error messages never contain the URL: its path carries the access token, a bearer secret.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { HostRequestError, type HostErrorKind, type HostResponse, type TransferHostClient } from './host-client';

export interface HostAddress {
  host: string;
  port: number;
}

export interface HttpsHostClientOptions {
  /**
   * Where each hostname lives. Looked up as the URL's `hostname:port` (explicit port first,
   * then the scheme's default), then as the bare hostname; a table matches case-insensitively.
   * The entry's address and port are where the TCP connection goes.
   */
  hosts?: Record<string, HostAddress> | ((hostname: string) => HostAddress | undefined);
  /** The only CAs trusted (PEM). Default: none. */
  caCertsPem?: string[];
  /** Connect and read timeout, real milliseconds. Default 5000 (Zulip: 5 s). */
  timeoutMs?: number;
  /** Extra attempts after a connection error. Default 3 (Zulip: max_retries=3). */
  retries?: number;
}

const MAX_REDIRECTS = 30; // requests.models.DEFAULT_REDIRECT_LIMIT
const MAX_BODY_BYTES = 1024 * 1024; // a verification response is ~200 bytes
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'ZulipServices (push bouncer simulator)';
/** Connection errors raised before a response arrived: the ones urllib3's Retry sees. */
const RETRYABLE = new WeakSet<HostRequestError>();

export function createHttpsHostClient(opts: HttpsHostClientOptions = {}): TransferHostClient {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = opts.retries ?? 3;
  const ca = opts.caCertsPem ?? [];
  const resolve = hostResolver(opts.hosts);

  async function attempt(url: URL): Promise<HostResponse & { location?: string }> {
    for (let tries = 0; ; tries++) {
      try {
        return await requestOnce(url, resolve, ca, timeoutMs);
      } catch (e) {
        if (!(e instanceof HostRequestError) || !RETRYABLE.has(e) || tries >= retries) throw e;
      }
    }
  }

  return {
    async get(rawUrl: string): Promise<HostResponse> {
      let url = parseUrl(rawUrl);
      for (let redirects = 0; ; redirects++) {
        const res = await attempt(url);
        if (res.location === undefined) return { status: res.status, body: res.body };
        if (redirects >= MAX_REDIRECTS) throw new HostRequestError('other', `TooManyRedirects: Exceeded ${MAX_REDIRECTS} redirects.`);
        url = parseUrl(res.location, url);
      }
    },
  };
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new HostRequestError('other', 'InvalidURL: the URL could not be parsed');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HostRequestError('other', `InvalidSchema: No connection adapters were found for ${url.protocol}`);
  }
  return url;
}

function hostResolver(hosts: HttpsHostClientOptions['hosts']): (url: URL) => HostAddress | undefined {
  const lookup =
    typeof hosts === 'function'
      ? hosts
      : (() => {
          const table = new Map(Object.entries(hosts ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
          return (name: string) => table.get(name.toLowerCase());
        })();
  return (url) => {
    // url.host keeps an explicit port ("zulip.example.net:8443") but drops a default one,
    // which a registered hostname may still spell out ("zulip.example.net:443").
    const withPort = `${url.hostname}:${url.port || defaultPort(url)}`;
    const candidates = [...new Set([url.host, withPort, url.hostname, bareHostname(url)])];
    for (const name of candidates) {
      const found = lookup(name);
      if (found) return found;
    }
    return undefined;
  };
}

const defaultPort = (url: URL) => (url.protocol === 'https:' ? 443 : 80);

/** The hostname without IPv6 brackets: what SNI and certificate checks compare against. */
const bareHostname = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

type Phase = 'connect' | 'tls' | 'response' | 'body';

function requestOnce(
  url: URL,
  resolve: (url: URL) => HostAddress | undefined,
  ca: string[],
  timeoutMs: number,
): Promise<HostResponse & { location?: string }> {
  const hostname = bareHostname(url);
  const where = `(host='${hostname}', port=${url.port || defaultPort(url)})`;
  const target = resolve(url);
  if (!target) {
    return Promise.reject(
      retryable(
        new HostRequestError('connection', `NameResolutionError: Failed to resolve '${hostname}' (not in the simulator's host table)`),
      ),
    );
  }

  return new Promise((done, fail) => {
    let phase: Phase = 'connect';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let req: http.ClientRequest | undefined;
    const finish = (err: HostRequestError | undefined, res?: HostResponse & { location?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req?.destroy();
        fail(err);
      } else done(res!);
    };
    // One timer, re-armed on every sign of progress: requests' connect timeout, then its read
    // timeout (the longest wait for the next piece). Socket idle timeouts fire late (up to 2x).
    const onTimeout = () => {
      const secs = timeoutMs / 1000;
      if (phase === 'connect') {
        finish(retryable(new HostRequestError('connection', `ConnectTimeout: Connection timed out. (connect timeout=${secs}) ${where}`)));
      } else if (phase === 'body') {
        // requests re-raises a read timeout while streaming the body as ConnectionError.
        finish(new HostRequestError('connection', `ConnectionError: Read timed out. (read timeout=${secs}) ${where}`));
      } else {
        finish(new HostRequestError('timeout', `ReadTimeout: Read timed out. (read timeout=${secs}) ${where}`));
      }
    };
    const progress = (next?: Phase) => {
      if (next) phase = next;
      clearTimeout(timer);
      if (!settled) timer = setTimeout(onTimeout, timeoutMs);
    };
    progress();

    const secure = url.protocol === 'https:';
    const common: http.RequestOptions = {
      host: target.host,
      port: target.port,
      method: 'GET',
      path: url.pathname + url.search,
      agent: false,
      headers: { Host: url.host, 'User-Agent': USER_AGENT, Accept: '*/*', 'Accept-Encoding': 'identity' },
    };
    try {
      req = secure
        ? https.request({
            ...common,
            ca,
            // SNI must not be an IP literal (RFC 6066); the identity check below covers IPs too.
            servername: net.isIP(hostname) ? undefined : hostname,
            checkServerIdentity: (_host, cert) => tls.checkServerIdentity(hostname, cert),
          })
        : http.request(common);
    } catch (e) {
      // Options Node refuses outright (requests' InvalidURL/InvalidHeader): never a crash.
      return finish(new HostRequestError('other', `RequestException: ${(e as Error).message} ${where}`));
    }

    req.on('socket', (socket) => {
      socket.once('connect', () => progress(secure ? 'tls' : 'response'));
      socket.once('secureConnect', () => progress('response'));
      // After we give up and destroy the request, the socket may still report the write it was
      // in the middle of (ECANCELED); the outcome is already decided, so that error is dropped.
      socket.on('error', () => undefined);
    });

    req.on('error', (e: NodeJS.ErrnoException) => finish(classify(e, phase, where)));

    req.on('response', (res) => {
      progress('body');
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        progress();
        size += chunk.length;
        if (size > MAX_BODY_BYTES) finish(new HostRequestError('other', `ContentTooLarge: response body over ${MAX_BODY_BYTES} bytes ${where}`));
        else chunks.push(chunk);
      });
      res.on('error', (e: NodeJS.ErrnoException) => finish(classify(e, 'body', where)));
      // A body cut short is requests' ChunkedEncodingError / IncompleteRead: a plain RequestException.
      res.on('close', () => {
        if (!res.complete) finish(new HostRequestError('other', `ChunkedEncodingError: Response ended prematurely ${where}`));
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const location = REDIRECT_STATUSES.has(status) ? res.headers.location : undefined;
        finish(undefined, { status, body: Buffer.concat(chunks), location });
      });
    });

    req.end();
  });
}

/** Node's error for this phase → the requests exception Zulip would have caught. */
function classify(e: NodeJS.ErrnoException, phase: Phase, where: string): HostRequestError {
  const detail = `${e.code ? `${e.code}: ` : ''}${e.message} ${where}`;
  let kind: HostErrorKind;
  if (phase === 'connect') kind = 'connection';
  else if (phase === 'tls') {
    // A socket-level failure mid-handshake (reset, broken pipe) is an OSError to Python, hence a
    // ConnectionError; everything else (verification, protocol, EOF) is an ssl.SSLError.
    kind = e.syscall ? 'connection' : 'ssl';
  } else if (phase === 'response') {
    // No (complete) response head: http.client's RemoteDisconnected / BadStatusLine → ConnectionError.
    kind = 'connection';
  } else kind = 'other';
  const label = { connection: 'ConnectionError', ssl: 'SSLError', timeout: 'Timeout', other: 'RequestException' }[kind];
  const err = new HostRequestError(kind, `${label}: ${detail}`);
  return kind === 'connection' ? retryable(err) : err;
}

function retryable(e: HostRequestError): HostRequestError {
  RETRYABLE.add(e);
  return e;
}
