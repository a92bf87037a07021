/** Provider tokens (JWT, ES256): who may push, for how long, and how often a connection may change token. */
import crypto from 'node:crypto';
import type { Device } from '../../core/provider-mock/devices';
import { ApnsTestClient } from './h2-client';
import { providerToken, reasonOf, startTestApns, type TestApns } from './support';

const MINUTE = 60_000;
let apns: TestApns;
let phone: Device;
const open: ApnsTestClient[] = [];

// One mock for the file: token state lives per connection, and each test opens its own.
beforeAll(async () => {
  apns = await startTestApns();
});
beforeEach(() => {
  phone = apns.createDevice('org.zulip.Zulip');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(() => apns.stop());

async function connect(): Promise<ApnsTestClient> {
  const c = await ApnsTestClient.connect(apns);
  open.push(c);
  return c;
}

async function pushWith(client: ApnsTestClient, jwt: string | null): Promise<[number, string | null]> {
  const res = await client.push({ token: phone.token, jwt });
  return [res.status, res.status === 200 ? null : reasonOf(res.body).reason];
}

const otherKeyPem = () =>
  crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('who may push', () => {
  it('should answer a request without a token with 403 MissingProviderToken', async () => {
    expect(await pushWith(await connect(), null)).toEqual([403, 'MissingProviderToken']);
  });

  it('should treat a non-bearer authorization as no provider token', async () => {
    const res = await (await connect()).push({ token: phone.token, jwt: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect([res.status, reasonOf(res.body).reason]).toEqual([403, 'MissingProviderToken']);
  });

  it.each([
    ['a malformed token', async () => 'not-a.jwt', 'not a JWT'],
    ['a bad signature', async () => providerToken(apns, { keyPem: otherKeyPem() }), 'the signature does not verify'],
    ['an unknown key id', async () => providerToken(apns, { keyId: 'ZZZZZZZZZZ' }), 'no registered key has kid ZZZZZZZZZZ'],
    ["a team that is not the key's", async () => providerToken(apns, { teamId: 'ABCDEFGHIJ' }), 'iss ABCDEFGHIJ is not'],
    ['no iat claim', async () => providerToken(apns, { omitIat: true }), 'no numeric iat claim'],
  ])('should answer %s with 403 InvalidProviderToken, and journal why', async (_what, makeToken, why) => {
    expect(await pushWith(await connect(), await makeToken())).toEqual([403, 'InvalidProviderToken']);
    expect(apns.journal.list({ device: phone.token }).at(-1)!.meta?.detail).toContain(why);
  });

  it('should keep one team per connection', async () => {
    const other = await apns.addKey({ teamId: 'TEAMB00000' });
    const teamB = await providerToken(apns, { teamId: other.teamId, keyId: other.keyId, keyFile: other.keyFile! });
    const client = await connect();
    expect(await pushWith(client, await providerToken(apns))).toEqual([200, null]);
    expect(await pushWith(client, teamB)).toEqual([403, 'InvalidProviderToken']);
    // The same token is fine on a connection of its own.
    expect(await pushWith(await connect(), teamB)).toEqual([200, null]);
  });
});

describe('token age', () => {
  it('should accept a token exactly one hour old and refuse one a second older with ExpiredProviderToken', async () => {
    const now = Math.floor(apns.clock.now() / 1000);
    expect(await pushWith(await connect(), await providerToken(apns, { iat: now - 3600 }))).toEqual([200, null]);
    expect(await pushWith(await connect(), await providerToken(apns, { iat: now - 3601 }))).toEqual([403, 'ExpiredProviderToken']);
  });

  it('should expire a token a connection already uses once the clock passes its hour', async () => {
    const client = await connect();
    const jwt = await providerToken(apns);
    expect(await pushWith(client, jwt)).toEqual([200, null]);
    apns.clock.advance(61 * MINUTE);
    expect(await pushWith(client, jwt)).toEqual([403, 'ExpiredProviderToken']);
  });
});

describe('token updates', () => {
  it('should answer a new token within 20 minutes with 429 TooManyProviderTokenUpdates, on that connection only', async () => {
    const client = await connect();
    const first = await providerToken(apns);
    expect(await pushWith(client, first)).toEqual([200, null]);

    apns.clock.advance(5 * MINUTE);
    const second = await providerToken(apns);
    expect(await pushWith(client, second)).toEqual([429, 'TooManyProviderTokenUpdates']);
    // The connection keeps its previous token; another connection may start with the new one.
    expect(await pushWith(client, first)).toEqual([200, null]);
    expect(await pushWith(await connect(), second)).toEqual([200, null]);

    apns.clock.advance(15 * MINUTE);
    expect(await pushWith(client, second)).toEqual([200, null]);
  });

  it('should not count a token re-signed with the same iat as an update', async () => {
    const client = await connect();
    const iat = Math.floor(apns.clock.now() / 1000);
    const a = await providerToken(apns, { iat });
    const b = await providerToken(apns, { iat });
    expect(a).not.toBe(b); // ECDSA signatures are randomised
    expect(await pushWith(client, a)).toEqual([200, null]);
    expect(await pushWith(client, b)).toEqual([200, null]);
  });

  it('should journal the team, key and iat of each token, never the token', async () => {
    const client = await connect();
    const jwt = await providerToken(apns);
    await pushWith(client, jwt);
    const [entry] = apns.journal.list({ device: phone.token });
    expect(entry!.meta).toMatchObject({ teamId: apns.teamId, keyId: apns.keyId, tokenIat: Math.floor(apns.clock.now() / 1000) });
    expect(apns.journal.dump()).not.toContain(jwt);
  });
});
