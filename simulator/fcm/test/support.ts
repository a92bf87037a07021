/**
 * Shared fixtures for the mock FCM's tests: a mock on a virtual clock, assertions signed with its
 * service account, and one small client that reaches it three ways — plain HTTP, HTTPS/1.1 and
 * HTTP/2 on the TLS port — trusting only the mock's CA.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { VirtualClock } from '../../core/clock';
import { startMockFcm, type MockFcmHandle, type MockFcmOptions, type ServiceAccountJson } from '../index';

export interface TestFcm extends MockFcmHandle {
  clock: VirtualClock;
}

export async function startTestFcm(options: MockFcmOptions = {}): Promise<TestFcm> {
  return (await startMockFcm({ clock: new VirtualClock(), logLevel: 'debug', ...options })) as TestFcm;
}

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const sendPath = (project: string) => `/v1/projects/${project}/messages:send`;

export function readServiceAccount(file: string): ServiceAccountJson {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceAccountJson;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT-bearer assertion as google-auth-library makes it, with any claim or header overridden. */
export function assertionFor(
  fcm: { clock: { now(): number }; tokenUri: string },
  sa: ServiceAccountJson,
  opts: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: string } = {},
): string {
  const iat = Math.floor(fcm.clock.now() / 1000);
  const header = b64({ alg: 'RS256', ...opts.header });
  const claims = b64({ iss: sa.client_email, scope: FCM_SCOPE, aud: fcm.tokenUri, iat, exp: iat + 3600, ...opts.claims });
  const signature = crypto.sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), opts.key ?? sa.private_key).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

export async function postToken(fcm: { tokenUri: string }, assertion: string, grantType = JWT_BEARER): Promise<Response> {
  return fetch(fcm.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grantType, assertion }).toString(),
  });
}

/** An access token for the default project's service account (or the one in `file`). */
export async function accessToken(fcm: TestFcm, opts: { file?: string; scope?: string } = {}): Promise<string> {
  const sa = readServiceAccount(opts.file ?? fcm.serviceAccountFile);
  const res = await postToken(fcm, assertionFor(fcm, sa, { claims: opts.scope ? { scope: opts.scope } : {} }));
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export type Via = 'http' | 'https1' | 'h2';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** An access token (sent as `Bearer <token>`) or a raw authorization header value. */
  token?: string;
  authorization?: string;
  via?: Via;
  headers?: Record<string, string>;
}

/** One request to the mock, over the chosen transport; never retries. */
export async function request(fcm: MockFcmHandle, path: string, opts: RequestOptions = {}): Promise<Answer> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const authorization = opts.authorization ?? (opts.token ? `Bearer ${opts.token}` : undefined);
  if (authorization) headers.authorization = authorization;
  switch (opts.via ?? 'http') {
    case 'http': {
      const res = await fetch(fcm.url + path, { method, headers, body });
      return answer(res.status, Object.fromEntries(res.headers), await res.text());
    }
    case 'https1':
      return httpsRequest(fcm, path, method, headers, body);
    case 'h2':
      return h2Request(fcm, path, method, headers, body);
  }
}

function answer(status: number, headers: Record<string, string>, text: string): Answer {
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status, headers, text, json };
}

function httpsRequest(fcm: MockFcmHandle, path: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, fcm.tlsUrl),
      { method, headers, ca: fcm.caCertPem, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(answer(res.statusCode ?? 0, flatten(res.headers), Buffer.concat(chunks).toString('utf8'))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** An HTTP/2 request on a fresh session, closed afterwards. */
export function h2Request(fcm: MockFcmHandle, path: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(fcm.tlsUrl, { ca: fcm.caCertPem });
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': path, ...headers });
    let status = 0;
    let responseHeaders: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = flatten(h);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve(answer(status, responseHeaders, Buffer.concat(chunks).toString('utf8')));
    });
    stream.on('error', (e) => {
      session.close();
      reject(e);
    });
    stream.end(body);
  });
}

const flatten = (h: Record<string, string | string[] | number | undefined>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));

/** A send to the default project with a fresh access token. */
export async function send(fcm: TestFcm, message: unknown, opts: RequestOptions & { project?: string } = {}): Promise<Answer> {
  const token = opts.token ?? (await accessToken(fcm));
  return request(fcm, sendPath(opts.project ?? fcm.projectId), { body: { message }, ...opts, token });
}

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a plain-node script and resolves when it exits. Asynchronous on purpose: the mock it talks
 * to lives in this process, so a synchronous spawn would deadlock.
 */
export function runNode(script: string, args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  const { NODE_OPTIONS: _jestOptions, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
