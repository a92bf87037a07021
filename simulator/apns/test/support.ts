/** Shared test fixtures: a mock on a virtual clock that starts at the real time, and provider tokens. */
import fs from 'node:fs';
import { SignJWT, importPKCS8 } from 'jose';
import { VirtualClock } from '../../core/clock';
import type { CertificateAuthority } from '../../core/tls';
import { createCertificateAuthority } from '../../core/tls';
import { startMockApns, type MockApnsHandle, type MockApnsOptions } from '../index';
import { ApnsTestClient } from './h2-client';

let sharedCa: CertificateAuthority | undefined;
/** One CA per test file: RSA key generation is the slowest part of starting a mock. */
export const testCa = () => (sharedCa ??= createCertificateAuthority('APNs test CA'));

/**
 * The virtual clock starts at the wall clock's time: node-apn stamps its tokens with Date.now(),
 * and a mock clock far from it would call every token stale (or from the future).
 */
export type TestApns = MockApnsHandle & { clock: VirtualClock };

export async function startTestApns(options: MockApnsOptions = {}): Promise<TestApns> {
  const clock = new VirtualClock(Date.now());
  const apns = await startMockApns({ clock, ca: testCa(), seed: 42, ...options });
  return apns as TestApns;
}

export interface TokenSpec {
  /** Unix seconds; default: the mock clock's now. */
  iat?: number;
  keyId?: string;
  teamId?: string;
  /** The .p8 to sign with; default the mock's first key. */
  keyFile?: string;
  /** Or a PKCS#8 PEM (e.g. a key the mock never saw). */
  keyPem?: string;
  /** Leave out the `iat` claim. */
  omitIat?: boolean;
}

/** A provider token as a client makes it: ES256, `kid` header, `iss` + `iat` claims. */
export async function providerToken(apns: MockApnsHandle, spec: TokenSpec = {}): Promise<string> {
  const key = await importPKCS8(spec.keyPem ?? fs.readFileSync(spec.keyFile ?? apns.keyFile, 'utf8'), 'ES256');
  const claims = { iss: spec.teamId ?? apns.teamId, ...(spec.omitIat ? {} : { iat: spec.iat ?? Math.floor(apns.clock.now() / 1000) }) };
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: spec.keyId ?? apns.keyId }).sign(key);
}

/** A connection carrying a valid provider token. */
export async function connectWithToken(apns: MockApnsHandle, topic?: string): Promise<ApnsTestClient> {
  return ApnsTestClient.connect(apns, { jwt: await providerToken(apns), topic });
}

export const reasonOf = (body: string) => JSON.parse(body) as { reason: string; timestamp?: number };
