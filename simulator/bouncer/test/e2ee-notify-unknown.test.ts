/**
 * push/e2ee/notify with ids the realm has no live device for (§6.3 step 4): unknown ids and
 * other realms' devices go straight into the delete list, and nothing is sent for them.
 * 12.x: a token_id that is not Base64 is a 400.
 */
import { realmFixture, uploadRealms } from './analytics-fixtures';
import { appTokenId, deviceRows, type E2eeSetup } from './e2ee-app';
import {
  apnsSince,
  encryptFor,
  fcmSince,
  mark,
  newOrg,
  notify,
  pushLogSince,
  pushRequest,
  realmCount,
  registerPhone,
  removePlaintext,
  requestForId,
  startNotifyStack,
  stopNotifyStack,
  successBody,
  type NotifyEnv,
} from './e2ee-notify-support';

describe.each([11, 12] as const)('push/e2ee/notify unknown ids (%i.x)', (profile) => {
  let env: NotifyEnv;
  let org: E2eeSetup;
  beforeAll(async () => {
    env = await startNotifyStack(profile);
    org = await newOrg(env);
  });
  afterAll(() => stopNotifyStack(env));

  const unknownId = (n: number) => (profile === 11 ? 900_000 + n : appTokenId(`never-registered-${n}`));

  it('should return never-registered ids for deletion without sending anything', async () => {
    const m = mark(env);
    const received = realmCount(env, org.realm.uuid, 'mobile_pushes_received::day');
    const res = await notify(env, org, [requestForId(env, 'apns', unknownId(1)), requestForId(env, 'fcm', unknownId(2))]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(successBody(env, 0, 0, [unknownId(1), unknownId(2)]));
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(pushLogSince(env, m)).toEqual([]);
    expect(realmCount(env, org.realm.uuid, 'mobile_pushes_received::day')).toBe(received + 2);
  });

  it('should send to the known devices and delete only the unknown ones, in request order', async () => {
    const ios = await registerPhone(env, org, 'apns');
    const android = await registerPhone(env, org, 'fcm');
    const m = mark(env);
    const res = await notify(env, org, [
      requestForId(env, 'fcm', unknownId(3)),
      pushRequest(env, ios, encryptFor(ios, removePlaintext())),
      requestForId(env, 'apns', unknownId(4)),
      pushRequest(env, android, encryptFor(android, removePlaintext())),
    ]);
    expect(res.body).toEqual(successBody(env, 1, 1, [unknownId(3), unknownId(4)]));
    await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
    await env.stack.fcm.journal.next(android.token, { afterSeq: m.fcm });
    expect(apnsSince(env, m).map((e) => e.device)).toEqual([ios.token]);
    expect(fcmSince(env, m).map((e) => e.device)).toEqual([android.token]);
  });

  it("should treat another realm's device of the same server as unknown, and leave it alone", async () => {
    const other: E2eeSetup = { server: org.server, realm: realmFixture({ id: 3 }) };
    const upload = await uploadRealms(env.bouncer, org.server, [
      { realm: org.realm, auditId: 0 },
      { realm: other.realm, auditId: 0 },
    ]);
    expect(upload.status).toBe(200);
    const ios = await registerPhone(env, other, 'apns');
    const android = await registerPhone(env, other, 'fcm');
    const m = mark(env);

    const res = await notify(env, org, [
      pushRequest(env, ios, encryptFor(ios, removePlaintext())),
      pushRequest(env, android, encryptFor(android, removePlaintext())),
    ]);
    expect(res.body).toEqual(successBody(env, 0, 0, [ios.id, android.id]));
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(deviceRows(env.bouncer, other.realm.uuid).map((r) => r.expired_time)).toEqual([null, null]);

    // Its own realm still reaches it.
    const own = await notify(env, other, [pushRequest(env, ios, encryptFor(ios, removePlaintext()))]);
    expect(own.body).toEqual(successBody(env, 1, 0, []));
    await env.stack.apns.journal.next(ios.token, { afterSeq: m.apns });
  });

  it('should send nothing when a request is shaped for the other provider than the device', async () => {
    // Zulip asserts here (a 500); the simulator neither sends nor deletes (e2ee-notify.ts).
    const ios = await registerPhone(env, org, 'apns');
    const android = await registerPhone(env, org, 'fcm');
    const m = mark(env);
    const res = await notify(env, org, [requestForId(env, 'fcm', ios.id), requestForId(env, 'apns', android.id)]);
    expect(res.body).toEqual(successBody(env, 0, 0, []));
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
    expect(deviceRows(env.bouncer, org.realm.uuid).filter((r) => r.expired_time !== null)).toEqual([]);
  });

  it("should treat another server's device as unknown", async () => {
    const stranger = await newOrg(env);
    const ios = await registerPhone(env, stranger, 'apns');
    const m = mark(env);
    const res = await notify(env, org, [pushRequest(env, ios, encryptFor(ios, removePlaintext()))]);
    expect(res.body).toEqual(successBody(env, 0, 0, [ios.id]));
    expect(apnsSince(env, m)).toEqual([]);
  });
});

describe('push/e2ee/notify token_id decoding (12.x)', () => {
  let env: NotifyEnv;
  let org: E2eeSetup;
  beforeAll(async () => {
    env = await startNotifyStack(12);
    org = await newOrg(env);
  });
  afterAll(() => stopNotifyStack(env));

  it.each([
    ['not Base64', 'not base64!'],
    ['the URL-safe alphabet', '-_-_-_-_-_8='],
    ['unpadded', 'hGsEWGmyyfI'],
    ['not 8 bytes', 'AAAA'],
  ])('should refuse a token_id that is %s with 400 and send nothing', async (_what, tokenId) => {
    const ios = await registerPhone(env, org, 'apns');
    const m = mark(env);
    const res = await notify(env, org, [pushRequest(env, ios, encryptFor(ios, removePlaintext())), requestForId(env, 'fcm', tokenId)]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ result: 'error', msg: '`token_id` is not Base64 encoded', code: 'BAD_REQUEST' });
    expect(apnsSince(env, m)).toEqual([]);
    expect(fcmSince(env, m)).toEqual([]);
  });

  it('should answer a token_id in the canonical form the server registered', async () => {
    const id = appTokenId('never-registered-canonical');
    const res = await notify(env, org, [requestForId(env, 'apns', id)]);
    expect(res.body).toEqual(successBody(env, 0, 0, [id]));
  });
});
