/**
 * push/e2ee/notify with bodies a server should never send (§1.2, §1.4, §6.3): each is a clear
 * 400 in Zulip's envelope — never a 500 — and nothing reaches a provider.
 */
import type { E2eeSetup } from './e2ee-app';
import {
  apnsSince,
  E2EE_NOTIFY,
  encryptFor,
  fcmSince,
  mark,
  newOrg,
  pushRequest,
  realmCount,
  registerPhone,
  removePlaintext,
  startNotifyStack,
  stopNotifyStack,
  type NotifyEnv,
  type Phone,
} from './e2ee-notify-support';
import { call, type CallOptions } from './support';

const badRequest = (msg: string) => ({ result: 'error', msg, code: 'BAD_REQUEST' });

describe.each([11, 12] as const)('push/e2ee/notify bad bodies (%i.x)', (profile) => {
  let env: NotifyEnv;
  let org: E2eeSetup;
  let ios: Phone;
  let android: Phone;
  beforeAll(async () => {
    env = await startNotifyStack(profile);
    org = await newOrg(env);
    ios = await registerPhone(env, org, 'apns');
    android = await registerPhone(env, org, 'fcm');
  });
  afterAll(() => stopNotifyStack(env));

  /** Sends, and checks that nothing was sent or counted whatever the answer. */
  async function post(opts: CallOptions) {
    const m = mark(env);
    const received = realmCount(env, org.realm.uuid, 'mobile_pushes_received::day');
    const res = await call(env.bouncer, 'POST', E2EE_NOTIFY, { auth: org.server, ...opts });
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(received);
    return res;
  }
  const good = () => pushRequest(env, ios, encryptFor(ios, removePlaintext()));
  const goodFcm = () => pushRequest(env, android, encryptFor(android, removePlaintext()));
  const withRequests = (items: unknown[]) => post({ json: { realm_uuid: org.realm.uuid, push_requests: items } });

  it('should answer 400 Malformed JSON to a body that is not JSON', async () => {
    const res = await post({ body: '{"realm_uuid": ', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Malformed JSON'));
  });

  it('should answer 400 Malformed payload to a body that is not UTF-8', async () => {
    const res = await post({ body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Malformed payload'));
  });

  it('should name a missing push_requests or realm_uuid', async () => {
    const noRequests = await post({ json: { realm_uuid: org.realm.uuid } });
    expect(noRequests.status).toBe(400);
    expect(noRequests.body).toEqual({
      result: 'error',
      msg: "Missing 'push_requests' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'push_requests',
    });
    const noRealm = await post({ json: { push_requests: [good()] } });
    expect(noRealm.status).toBe(400);
    expect(noRealm.body).toEqual({
      result: 'error',
      msg: "Missing 'realm_uuid' argument",
      code: 'REQUEST_VARIABLE_MISSING',
      var_name: 'realm_uuid',
    });
  });

  it('should refuse ill-typed top-level fields', async () => {
    expect((await post({ json: [good()] })).body).toEqual(badRequest('payload is not a dict'));
    expect((await post({ json: { realm_uuid: org.realm.uuid, push_requests: { 0: good() } } })).body).toEqual(
      badRequest('payload["push_requests"] is not a list'),
    );
    expect((await post({ json: { realm_uuid: 17, push_requests: [good()] } })).body).toEqual(badRequest('payload["realm_uuid"] is not a string'));
  });

  const otherId = profile === 11 ? { token_id: 'hGsEWGmyyfI=' } : { device_id: 17 };
  const idKey = profile === 11 ? 'device_id' : 'token_id';
  const keyIdKey = profile === 11 ? 'push_account_id' : 'push_key_id';
  const without = (r: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));
  const withPayload = (r: Record<string, unknown>, patch: Record<string, unknown>) => ({ ...r, payload: { ...(r.payload as object), ...patch } });
  const cases: [string, () => unknown][] = [
    ['a string', () => 'push me'],
    ['null', () => null],
    ['an empty object', () => ({})],
    ['an id only', () => ({ [idKey]: (good() as Record<string, unknown>)[idKey] })],
    ['neither http_headers nor fcm_priority', () => without(goodFcm(), 'fcm_priority')],
    ["the other profile's id", () => ({ ...without(good(), idKey), ...otherId })],
    ["the other profile's key id", () => withPayload(without(good(), 'payload'), { encrypted_data: 'AAAA', [profile === 11 ? 'push_key_id' : 'push_account_id']: 1 })],
    ['a string id', () => (profile === 11 ? { ...good(), device_id: '17' } : { ...good(), token_id: 17 })],
    ['no payload', () => without(good(), 'payload')],
    ['no encrypted_data', () => ({ ...good(), payload: without((good() as { payload: Record<string, unknown> }).payload, 'encrypted_data') })],
    ['a non-integer key id', () => withPayload(good(), { [keyIdKey]: '7' })],
    ['an APNs priority of 7', () => ({ ...good(), http_headers: { apns_priority: 7, apns_push_type: 'alert' } })],
    ['an unknown APNs push type', () => ({ ...good(), http_headers: { apns_priority: 10, apns_push_type: 'shout' } })],
    ['http_headers that are not an object', () => ({ ...good(), http_headers: 'priority: 10' })],
    ['an aps that is not an object', () => withPayload(good(), { aps: 'alert' })],
    ['a null aps', () => withPayload(good(), { aps: null })],
    ['an FCM priority of "urgent"', () => ({ ...goodFcm(), fcm_priority: 'urgent' })],
    ['an FCM priority in upper case', () => ({ ...goodFcm(), fcm_priority: 'HIGH' })],
  ];

  it.each(cases)('should refuse a push request that is %s with 400, naming its index', async (_what, item) => {
    const res = await withRequests([good(), goodFcm(), item()]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest('Invalid payload["push_requests"][2]'));
  });

  it('should accept an empty request list and send nothing', async () => {
    const res = await withRequests([]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ apple_successfully_sent_count: 0, android_successfully_sent_count: 0 });
  });
});
