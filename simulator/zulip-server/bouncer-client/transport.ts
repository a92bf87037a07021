/**
 * The transport half of zerver/lib/remote_server.py `send_to_push_bouncer`: URL, encodings,
 * Basic auth, User-Agent, timeouts, and the mapping of answers to exceptions
 * (server-and-app.md §E; bouncer-protocol.md §1.2, §2). One attempt per call, like
 * PushBouncerSession (`Retry(total=0)`). Logs name only the endpoint, status and code.
 *
 * Timeouts: 15 s, 90 s for server/analytics (bouncer-protocol.md §1.2). On a virtual clock they
 * are measured on that clock, so a scenario crosses them by advancing time (a finished request's
 * leftover sleeper is harmless); on the real clock they are timers cleared when the exchange ends.
 */
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logging';
import {
  BouncerCredentialsMissingError,
  BouncerJsonDecodeError,
  BouncerJsonableError,
  InvalidBouncerPublicKeyError,
  InvalidRemotePushDeviceTokenError,
  MissingRemoteRealmError,
  PushNotificationBouncerError,
  PushNotificationBouncerRetryLaterError,
  PushNotificationBouncerServerError,
  PushNotificationsDisallowedByBouncerError,
  RequestExpiredError,
  type BouncerErrorDetails,
} from './errors';
import { ENDPOINT, type BouncerCredentials, type Endpoint } from './wire';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const ANALYTICS_TIMEOUT_MS = 90_000;

/** A call made while ZULIP_SERVICES_URL is unset: nothing was sent. */
export interface BouncerSkipped {
  skipped: true;
  endpoint: Endpoint;
  reason: string;
}
export type BouncerResult<T> = T | BouncerSkipped;

export const isSkipped = (r: unknown): r is BouncerSkipped =>
  typeof r === 'object' && r !== null && (r as { skipped?: unknown }).skipped === true;

export const PAUSED_REASON = 'ZULIP_SERVICES_URL is not set: the push notification service is paused';

export interface TransportOptions {
  /** ZULIP_SERVICES_URL, e.g. `https://push.zulipchat.com`; null = paused. A getter is read per call. */
  url: string | null | (() => string | null);
  /** The secrets file's zulip_org_id / zulip_org_key, read for every request (rotation rewrites them). */
  credentials: () => BouncerCredentials;
  clock: Clock;
  /** ZULIP_VERSION, for `User-Agent: ZulipServer/<version>`. */
  version: string;
  logger?: Logger;
  timeouts?: { defaultMs?: number; analyticsMs?: number };
  /** The fetch to use (e.g. one with a custom CA); default: the global fetch, looked up per call. */
  fetch?: typeof fetch;
}

export type Body =
  | { kind: 'none' }
  | { kind: 'form'; fields: Record<string, string | number | null | undefined> }
  | { kind: 'json'; value: unknown }
  | { kind: 'jsonForm'; fields: Record<string, unknown> };

export interface Call {
  method: 'GET' | 'POST';
  endpoint: Endpoint;
  body: Body;
  /** HTTP Basic with the server's credentials (all but the server/register* endpoints). */
  auth: boolean;
}

/** Python `requests` exception names, as Zulip puts them into RetryLater messages. */
type NetworkErrorName = 'ReadTimeout' | 'ConnectTimeout' | 'SSLError' | 'ConnectionError';

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** The `code`s along an error's cause chain (undici nests the socket error as `cause`). */
function errorCodes(e: unknown): string[] {
  const codes: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth += 1) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    cur = (cur as { cause?: unknown }).cause;
  }
  return codes;
}

function classifyNetworkError(e: unknown): NetworkErrorName {
  const codes = errorCodes(e);
  if (codes.some((c) => TLS_CODE.test(c))) return 'SSLError';
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT') || codes.includes('ETIMEDOUT')) return 'ConnectTimeout';
  if (codes.includes('UND_ERR_HEADERS_TIMEOUT') || codes.includes('UND_ERR_BODY_TIMEOUT')) return 'ReadTimeout';
  return 'ConnectionError';
}

const retryLaterMessage = (name: NetworkErrorName) => `${name} while trying to connect to push notification bouncer`;

function encodeForm(fields: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  // requests drops None values from form data.
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) params.append(k, String(v));
  return params.toString();
}

/** server/analytics: every value is itself JSON (pydantic `Json[...]`); None values are dropped. */
function encodeJsonForm(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) params.append(k, JSON.stringify(v));
  return params.toString();
}

const basicAuth = (c: BouncerCredentials) =>
  'Basic ' + Buffer.from(`${c.zulipOrgId}:${c.zulipOrgKey}`, 'utf8').toString('base64');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The request timeout: on a virtual clock's time, or a real timer that is always cleared. */
function startTimeout(clock: Clock, ms: number, onTimeout: () => void): () => void {
  let done = false;
  if (clock.kind === 'virtual') {
    void clock.sleep(ms).then(() => {
      if (!done) onTimeout();
    });
    return () => {
      done = true;
    };
  }
  const timer = setTimeout(onTimeout, ms);
  return () => clearTimeout(timer);
}

export class BouncerTransport {
  private readonly opts: TransportOptions;
  private readonly log: Logger | undefined;
  private readonly rootLog: Logger | undefined;

  constructor(opts: TransportOptions) {
    this.opts = opts;
    this.log = opts.logger?.child({ logger: 'zerver.lib.remote_server' });
    // Zulip logs "Received <status> from push notification bouncer" with logging.warning (root).
    this.rootLog = opts.logger?.child({ logger: 'root' });
  }

  /** ZULIP_SERVICES_URL as of now (null = paused). */
  get url(): string | null {
    return typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url;
  }

  /**
   * send_to_push_bouncer. `bodyWithCredentials` builds a body that embeds the (fresh) credentials
   * (server/register's form, the `server_uuid` of push/register & co).
   */
  async send<T>(call: Call, bodyWithCredentials?: (c: BouncerCredentials) => Body): Promise<BouncerResult<T>> {
    const base = this.url;
    if (base === null) {
      this.log?.info({ endpoint: call.endpoint }, `Skipping ${call.endpoint}: ${PAUSED_REASON}`);
      return { skipped: true, endpoint: call.endpoint, reason: PAUSED_REASON };
    }

    const needsCredentials = call.auth || bodyWithCredentials !== undefined;
    const credentials = needsCredentials ? this.readCredentials() : null;
    const body = bodyWithCredentials && credentials ? bodyWithCredentials(credentials) : call.body;

    const headers: Record<string, string> = { 'User-Agent': `ZulipServer/${this.opts.version}` };
    let payload: string | undefined;
    switch (body.kind) {
      case 'form':
        payload = encodeForm(body.fields);
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        break;
      case 'jsonForm':
        payload = encodeJsonForm(body.fields);
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        break;
      case 'json':
        payload = JSON.stringify(body.value);
        headers['Content-type'] = 'application/json';
        break;
      case 'none':
        break;
    }
    if (call.auth && credentials) headers.Authorization = basicAuth(credentials);

    const url = new URL('/api/v1/remotes/' + call.endpoint, base).toString();
    const timeoutMs =
      call.endpoint === ENDPOINT.ANALYTICS
        ? (this.opts.timeouts?.analyticsMs ?? ANALYTICS_TIMEOUT_MS)
        : (this.opts.timeouts?.defaultMs ?? DEFAULT_TIMEOUT_MS);

    const controller = new AbortController();
    let timedOut = false;
    const cancelTimeout = startTimeout(this.opts.clock, timeoutMs, () => {
      timedOut = true;
      controller.abort();
    });

    let status: number;
    let text: string;
    let retryAfterHeader: string | null;
    try {
      const fetchImpl = this.opts.fetch ?? globalThis.fetch;
      const res = await fetchImpl(url, {
        method: call.method,
        headers,
        body: payload,
        signal: controller.signal,
        redirect: 'manual',
      });
      status = res.status;
      retryAfterHeader = res.headers.get('retry-after');
      text = await res.text();
    } catch (e) {
      const name: NetworkErrorName = timedOut ? 'ReadTimeout' : classifyNetworkError(e);
      this.log?.warn({ endpoint: call.endpoint, error: name }, `${call.method} ${call.endpoint}: ${name}`);
      throw new PushNotificationBouncerRetryLaterError(retryLaterMessage(name), { endpoint: call.endpoint });
    } finally {
      cancelTimeout();
    }

    return this.interpret<T>(call.endpoint, call.method, status, text, retryAfterHeader);
  }

  private readCredentials(): BouncerCredentials {
    const c = this.opts.credentials();
    if (!c || !c.zulipOrgId || !c.zulipOrgKey) throw new BouncerCredentialsMissingError();
    return c;
  }

  /** The response half of send_to_push_bouncer. */
  private interpret<T>(endpoint: Endpoint, method: string, status: number, text: string, retryAfter: string | null): T {
    if (status >= 500) {
      const msg = `Received ${status} from push notification bouncer`;
      this.rootLog?.warn({ endpoint, status }, msg);
      throw new PushNotificationBouncerServerError(msg, { endpoint, status });
    }
    if (status >= 400) {
      const dict = asRecord(parseJson(text));
      if (!dict) {
        this.log?.warn({ endpoint, status }, `${method} ${endpoint}: ${status} with a body that is not JSON`);
        throw new BouncerJsonDecodeError(endpoint, status);
      }
      const msg = typeof dict.msg === 'string' ? dict.msg : String(dict.msg);
      const code = typeof dict.code === 'string' ? dict.code : null;
      const data = Object.fromEntries(Object.entries(dict).filter(([k]) => k !== 'result' && k !== 'msg' && k !== 'code'));
      const details: BouncerErrorDetails = { endpoint, status, code, data, retryAfterHeader: retryAfter };
      this.log?.info({ endpoint, status, code }, `${method} ${endpoint}: ${status}${code ? ` ${code}` : ''}`);
      throw this.errorFor(endpoint, msg, details);
    }
    if (status !== 200) {
      this.log?.warn({ endpoint, status }, `${method} ${endpoint}: unexpected status ${status}`);
      throw new PushNotificationBouncerError(`Push notification bouncer returned unexpected status code ${status}`, {
        endpoint,
        status,
      });
    }
    const parsed = parseJson(text);
    if (parsed === undefined) throw new BouncerJsonDecodeError(endpoint, status);
    this.log?.debug({ endpoint, status }, `${method} ${endpoint}: ${status}`);
    return parsed as T;
  }

  /** The 4xx branch of send_to_push_bouncer: which exception for which (endpoint, code). */
  private errorFor(endpoint: Endpoint, msg: string, d: BouncerErrorDetails): Error {
    switch (d.code) {
      case 'INVALID_ZULIP_SERVER':
        // Invalid credentials should email this server's admins.
        return new PushNotificationBouncerError(`Push notifications bouncer error: ${msg}`, d);
      case 'PUSH_NOTIFICATIONS_DISALLOWED':
        return new PushNotificationsDisallowedByBouncerError(msg, d);
    }
    if (endpoint === ENDPOINT.PUSH_TEST_NOTIFICATION && d.code === InvalidRemotePushDeviceTokenError.CODE) {
      return new InvalidRemotePushDeviceTokenError(msg, d);
    }
    if (endpoint === ENDPOINT.E2EE_REGISTER) {
      if (d.code === InvalidBouncerPublicKeyError.CODE) return new InvalidBouncerPublicKeyError(msg, d);
      if (d.code === RequestExpiredError.CODE) return new RequestExpiredError(msg, d);
    }
    if ((endpoint === ENDPOINT.E2EE_REGISTER || endpoint === ENDPOINT.E2EE_NOTIFY) && d.code === MissingRemoteRealmError.CODE) {
      return new MissingRemoteRealmError(msg, d);
    }
    // Most other errors are client errors (e.g. a never-registered token): JsonableError(msg).
    return new BouncerJsonableError(msg, d);
  }
}
