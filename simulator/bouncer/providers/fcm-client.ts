/**
 * The bouncer's FCM client (bouncer-protocol.md §7.1, §7.3): HTTP v1 `messages:send`, one request
 * per message, sent concurrently like firebase-admin's `send_each`, with an OAuth2 access token
 * from the service account's jwt-bearer grant (RS256 assertion signed with jose), cached until
 * shortly before it expires. A per-message failure is a result; only a failure that stops the
 * whole batch (no access token) throws.
 */
import http from 'node:http';
import https from 'node:https';
import { SignJWT, importPKCS8, type CryptoKey, type KeyObject } from 'jose';
import type { Clock } from '../../core/clock';

export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

export interface FcmClientConfig {
  /** Base URL of the FCM API, e.g. https://fcm.googleapis.com or the mock's URL. */
  url: string;
  serviceAccount: ServiceAccount;
  /** Extra CA certificates to trust for https URLs. */
  caPem?: string;
  timeoutMs?: number;
}

export interface FcmMessage {
  token: string;
  /** FCM data: every value already a string. */
  data: Record<string, string>;
  priority: 'high' | 'normal';
}

export type FcmResult =
  | { kind: 'success'; name: string }
  /**
   * `code` is the FcmError errorCode when present, else the google.rpc status; `status` is the
   * google.rpc status alone (absent when the body had none), which decides the exception class
   * of an error without an FCM-specific errorCode.
   */
  | { kind: 'failure'; httpStatus: number; code: string; message: string; status?: string }
  | { kind: 'connection-error'; error: string };

export class FcmBatchError extends Error {
  override name = 'FcmBatchError';
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Refresh a minute early, as google-auth-library does (eagerRefreshThresholdMillis). */
const EAGER_REFRESH_MS = 60_000;

export class FcmClient {
  private key: Promise<CryptoKey | KeyObject> | null = null;
  private accessToken: { token: string; expiresAt: number } | null = null;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent: https.Agent;

  /** Called with every new access token (the bouncer adds it to its log redactor). */
  onNewToken?: (token: string) => void;

  constructor(
    private readonly config: FcmClientConfig,
    private readonly clock: Clock,
  ) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: config.caPem });
  }

  /** Sends every message; throws FcmBatchError only if none could be attempted. */
  async sendEach(messages: FcmMessage[]): Promise<FcmResult[]> {
    if (messages.length === 0) return [];
    let token: string;
    try {
      token = await this.token();
    } catch (e) {
      throw new FcmBatchError(`cannot obtain an access token: ${(e as Error).message}`);
    }
    return Promise.all(messages.map((m) => this.sendOne(m, token)));
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async token(): Promise<string> {
    const now = this.clock.now();
    if (this.accessToken && now < this.accessToken.expiresAt - EAGER_REFRESH_MS) return this.accessToken.token;
    const sa = this.config.serviceAccount;
    this.key ??= importPKCS8(sa.private_key, 'RS256');
    const iat = Math.floor(now / 1000);
    const header: { alg: 'RS256'; typ: 'JWT'; kid?: string } = { alg: 'RS256', typ: 'JWT' };
    if (sa.private_key_id) header.kid = sa.private_key_id;
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader(header)
      .setIssuer(sa.client_email)
      .setAudience(sa.token_uri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(await this.key);
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    const res = await this.post(sa.token_uri, form, { 'content-type': 'application/x-www-form-urlencoded' });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.body.slice(0, 200)}`);
    const parsed = JSON.parse(res.body) as { access_token?: unknown; expires_in?: unknown };
    if (typeof parsed.access_token !== 'string') throw new Error('token endpoint gave no access_token');
    const expiresIn = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3599;
    this.accessToken = { token: parsed.access_token, expiresAt: now + expiresIn * 1000 };
    this.onNewToken?.(parsed.access_token);
    return parsed.access_token;
  }

  private async sendOne(m: FcmMessage, token: string): Promise<FcmResult> {
    const url = `${this.config.url.replace(/\/$/, '')}/v1/projects/${this.config.serviceAccount.project_id}/messages:send`;
    const body = JSON.stringify({ message: { token: m.token, data: m.data, android: { priority: m.priority } } });
    let res: { status: number; body: string };
    try {
      res = await this.post(url, body, { 'content-type': 'application/json', authorization: `Bearer ${token}` });
    } catch (e) {
      return { kind: 'connection-error', error: (e as Error).message };
    }
    let parsed: { name?: unknown; error?: { code?: number; message?: string; status?: string; details?: { '@type'?: string; errorCode?: string }[] } } = {};
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      /* non-JSON answers are classified by status below */
    }
    if (res.status === 200 && typeof parsed.name === 'string') return { kind: 'success', name: parsed.name };
    // Like firebase-admin: the FcmError detail first, then the canonical status.
    const detail = parsed.error?.details?.find((d) => d['@type']?.endsWith('google.firebase.fcm.v1.FcmError'));
    const status = parsed.error?.status;
    const code = detail?.errorCode ?? status ?? `HTTP_${res.status}`;
    // _parse_platform_error: a body without a message is described by status and body.
    const message = parsed.error?.message || `Unexpected HTTP response with status: ${res.status}; body: ${res.body.slice(0, 200)}`;
    return status === undefined
      ? { kind: 'failure', httpStatus: res.status, code, message }
      : { kind: 'failure', httpStatus: res.status, code, message, status };
  }

  private post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const mod = secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        target,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: this.config.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }
}
