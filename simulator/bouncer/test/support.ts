/**
 * Shared fixtures for the bouncer's tests: a fresh bouncer on a virtual clock, a tiny HTTP
 * client that speaks the bouncer's encodings, and server identities.
 */
import crypto from 'node:crypto';
import { call } from '../../../harness/http-client';
import { VirtualClock } from '../../core/clock';
import { startBouncer, type BouncerHandle, type BouncerOptions } from '../index';
import { OfflineDnsTable } from '../validation/dns';

export interface TestBouncer extends BouncerHandle {
  clock: VirtualClock;
}

export async function startTestBouncer(options: BouncerOptions = {}): Promise<TestBouncer> {
  const clock = new VirtualClock();
  const bouncer = await startBouncer({ clock, logLevel: 'debug', ...options });
  return bouncer as TestBouncer;
}

export interface ServerIdentity {
  uuid: string;
  key: string;
  hostname: string;
  contactEmail: string;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Django's get_random_string(64): what real servers use as zulip_org_key. */
export function randomOrgKey(): string {
  const bytes = crypto.randomBytes(64);
  return [...bytes].map((b) => ALNUM[b % ALNUM.length]).join('');
}

let counter = 0;
export function newServerIdentity(overrides: Partial<ServerIdentity> = {}): ServerIdentity {
  counter += 1;
  return {
    uuid: crypto.randomUUID(),
    key: randomOrgKey(),
    hostname: `zulip-${process.pid}-${counter}.example.net`,
    contactEmail: 'admin@zulip.com',
    ...overrides,
  };
}

export { basicAuth, call, type CallOptions, type CallResult } from '../../../harness/http-client';

export const REGISTER = '/api/v1/remotes/server/register';
export const DEACTIVATE = '/api/v1/remotes/server/deactivate';
export const ANALYTICS = '/api/v1/remotes/server/analytics';
export const ANALYTICS_STATUS = '/api/v1/remotes/server/analytics/status';
export const TRANSFER = '/api/v1/remotes/server/register/transfer';
export const VERIFY_CHALLENGE = '/api/v1/remotes/server/register/verify_challenge';

export function registerForm(s: ServerIdentity, extra: Record<string, string> = {}): Record<string, string> {
  return {
    zulip_org_id: s.uuid,
    zulip_org_key: s.key,
    hostname: s.hostname,
    contact_email: s.contactEmail,
    ...extra,
  };
}

/** Registers a new server and fails loudly if the bouncer refuses. */
export async function registerServer(
  bouncer: { url: string },
  overrides: Partial<ServerIdentity> = {},
): Promise<ServerIdentity> {
  const s = newServerIdentity(overrides);
  const res = await call(bouncer, 'POST', REGISTER, { form: registerForm(s) });
  if (res.status !== 200) throw new Error(`registration failed: ${res.status} ${res.text}`);
  return s;
}

/** The messages of the bouncer's log lines, optionally only those of one logger. */
export function logMessages(bouncer: BouncerHandle, logger?: string): string[] {
  return bouncer
    .logLines()
    .filter((l) => logger === undefined || l.logger === logger)
    .map((l) => l.msg);
}

/** The bouncer's offline DNS table (the default resolver), for adding test domains. */
export function dnsTable(bouncer: BouncerHandle): OfflineDnsTable {
  if (!(bouncer.dns instanceof OfflineDnsTable)) throw new Error('this bouncer has a custom DNS resolver');
  return bouncer.dns;
}
