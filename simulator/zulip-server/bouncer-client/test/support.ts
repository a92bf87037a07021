/**
 * Shared fixtures for the bouncer client's tests: nock set-up that leaves no trace for other
 * test files, a client on a VirtualClock, a logger that keeps its lines, a request recorder and
 * model fixtures (realms, users).
 */
import crypto from 'node:crypto';
import nock from 'nock';
import pino from 'pino';
import { VirtualClock } from '../../../core/clock';
import type { Logger } from '../../../core/logging';
import type { Realm } from '../../types';
import { BouncerClient, type BouncerClientOptions } from '../client';
import type { RetryEvent } from '../retry';
import type { BouncerCredentials } from '../wire';

export const BOUNCER = 'https://push.example.com';
export const REMOTES = '/api/v1/remotes/';
export const VERSION = '11.0';

/** nock for this file only: no real connection, no leftover mocks, interceptors removed at the end. */
export function useNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}

export interface LogRecord {
  level: number;
  logger?: string;
  msg: string;
  [key: string]: unknown;
}

export interface CapturedLogger {
  logger: Logger;
  lines: LogRecord[];
  /** `LEVEL:logger:msg`, like Python's assertLogs output. */
  output(): string[];
}

const LEVEL_NAMES: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARNING', 50: 'ERROR' };

export function captureLogger(): CapturedLogger {
  const lines: LogRecord[] = [];
  const logger = pino(
    { level: 'debug', base: null, timestamp: false },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogRecord) },
  );
  return {
    logger,
    lines,
    output: () => lines.map((l) => `${LEVEL_NAMES[l.level] ?? l.level}:${l.logger ?? ''}:${l.msg}`),
  };
}

export function randomKey(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...crypto.randomBytes(64)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface TestClient {
  client: BouncerClient;
  clock: VirtualClock;
  /** The "secrets file": tests rewrite it as rotation/transfer would. */
  secrets: BouncerCredentials;
  log: CapturedLogger;
}

export function makeClient(overrides: Partial<BouncerClientOptions> = {}): TestClient {
  const clock = new VirtualClock();
  const secrets: BouncerCredentials = { zulipOrgId: crypto.randomUUID(), zulipOrgKey: randomKey() };
  const log = captureLogger();
  const client = new BouncerClient({
    url: BOUNCER,
    credentials: () => ({ ...secrets }),
    clock,
    version: VERSION,
    logger: log.logger,
    ...overrides,
  });
  return { client, clock, secrets, log };
}

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as sent. */
  raw: string;
}

/** Answers `method endpoint` with `status`/`body` and records what was sent, body byte for byte. */
export function intercept(
  method: 'GET' | 'POST',
  endpoint: string,
  status = 200,
  body: unknown = { result: 'success', msg: '' },
  headers: Record<string, string> = {},
  times = 1,
): Recorded[] {
  const seen: Recorded[] = [];
  const scope = nock(BOUNCER);
  // Reply functions get a parsed body; the scope's 'request' event has the raw text first.
  let raw = '';
  scope.on('request', (_req: unknown, _interceptor: unknown, requestBody: string) => {
    raw = requestBody;
  });
  const path = REMOTES + endpoint;
  const interceptor = method === 'GET' ? scope.get(path) : scope.post(path);
  interceptor.times(times).reply(function (this: nock.ReplyFnContext, uri: string) {
    seen.push({ method, path: uri, headers: this.req.headers, raw });
    return [status, body as nock.Body, headers];
  });
  return seen;
}

/** Form fields of a recorded form body, in order. */
export const formFields = (r: Recorded): [string, string][] => [...new URLSearchParams(r.raw).entries()];

/**
 * Resolves with the next retry wait announced by `withRetries` (its `onRetry`), so a test can
 * advance the VirtualClock exactly by it.
 */
export function retryRecorder(): { onRetry: (e: RetryEvent) => void; next(): Promise<RetryEvent>; all: RetryEvent[] } {
  const all: RetryEvent[] = [];
  const waiting: ((e: RetryEvent) => void)[] = [];
  const queued: RetryEvent[] = [];
  return {
    all,
    onRetry: (e) => {
      all.push(e);
      const w = waiting.shift();
      if (w) w(e);
      else queued.push(e);
    },
    next: () => {
      const q = queued.shift();
      return q ? Promise.resolve(q) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Lets pending I/O callbacks (nock replies) run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

let realmCounter = 0;
export function realmFixture(overrides: Partial<Realm> = {}): Realm {
  realmCounter += 1;
  const host = `realm${realmCounter}.zulip.example.net`;
  return {
    id: realmCounter + 1,
    uuid: crypto.randomUUID(),
    uuidOwnerSecret: `zuliprealm_${crypto.randomBytes(16).toString('hex')}`,
    host,
    url: `https://${host}`,
    name: `Realm ${realmCounter}`,
    orgType: 10,
    dateCreated: 1_700_000_000.25,
    authenticationMethods: { Email: true, GitHub: false },
    deactivated: false,
    isSystemBotRealm: false,
    requireE2eePushNotifications: false,
    pushNotificationsEnabled: true,
    pushNotificationsEnabledEndTimestamp: null,
    ...overrides,
  };
}

/** The Authorization header a real server sends (requests' HTTPBasicAuth). */
export const basicAuthOf = (c: BouncerCredentials) =>
  'Basic ' + Buffer.from(`${c.zulipOrgId}:${c.zulipOrgKey}`).toString('base64');

/** Answers any GET or POST to the bouncer with an empty success and counts them. */
export function catchAll(): { hits: string[] } {
  const hits: string[] = [];
  const reply = (uri: string): [number, nock.Body] => {
    hits.push(uri);
    return [200, {}];
  };
  nock(BOUNCER).persist().get(/.*/).reply(reply).post(/.*/).reply(reply);
  return { hits };
}
