/**
 * gcm_options (§7.1 parse_fcm_options): only `priority` is allowed, and only high/normal — the
 * bouncer is strict because a newer server never talks to an older bouncer. The check runs
 * only when there is an Android device to send to, and a refusal sends nothing at all.
 */
import {
  addApnsPhone,
  addFcmPhone,
  error,
  messagePayloads,
  newUser,
  notify,
  notifyBody,
  setUpServer,
  startNotifyStack,
  statusAndBody,
  type NotifyWorld,
  type ZulipServer,
  type ZulipUser,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

function notifyWith(server: ZulipServer, user: ZulipUser, gcmOptions: unknown) {
  const payloads = messagePayloads(server, user, { sender: newUser(), content: 'Words, words, words', messageId: 8, time: 1 });
  return notify(w, server, { ...notifyBody(server, user, payloads), gcm_options: gcmOptions });
}

describe('gcm_options', () => {
  it.each([
    [{ priority: 'invalid' }, "Invalid GCM option to bouncer: priority 'invalid'"],
    [{ priority: 'HIGH' }, "Invalid GCM option to bouncer: priority 'HIGH'"],
    [{ priority: 10 }, 'Invalid GCM option to bouncer: priority 10'],
    [{ foo: 'bar' }, 'Invalid GCM options to bouncer: {"foo":"bar"}'],
    [{ priority: 'high', time_to_live: 60, collapse_key: 'c' }, 'Invalid GCM options to bouncer: {"time_to_live":60,"collapse_key":"c"}'],
  ])('should refuse %j and send nothing', async (options, msg) => {
    const server = await setUpServer(w);
    const user = newUser();
    const android = await addFcmPhone(w, server, user);
    const iphone = await addApnsPhone(w, server, user);
    const [fcmSeq, apnsSeq] = [w.fcm.journal.stats.lastSeq, w.apns.journal.stats.lastSeq];

    expect(statusAndBody(await notifyWith(server, user, options))).toEqual(error(400, 'BAD_REQUEST', msg));
    expect(w.fcm.journal.list({ afterSeq: fcmSeq })).toEqual([]);
    // FCM goes first; the refusal ends the request before APNs is tried.
    expect(w.apns.journal.list({ device: iphone, afterSeq: apnsSeq })).toEqual([]);
    expect(w.fcm.journal.list({ device: android })).toEqual([]);
  });

  it('should infer the priority from the event when it is null, as when it is absent', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const android = await addFcmPhone(w, server, user);
    expect((await notifyWith(server, user, { priority: null })).status).toBe(200);
    const sent = JSON.parse((await w.fcm.journal.next(android, { afterSeq: 0 })).request.body) as { message: { android: unknown } };
    expect(sent.message.android).toEqual({ priority: 'high' });
  });

  it('should not look at gcm_options when the user has no Android device', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const iphone = await addApnsPhone(w, server, user);
    const res = await notifyWith(server, user, { foo: 'bar', priority: 'invalid' });
    expect(res.body).toMatchObject({ result: 'success', total_android_devices: 0, total_apple_devices: 1 });
    expect((await w.apns.journal.next(iphone, { afterSeq: 0 })).outcome.accepted).toBe(true);
  });

  it('should refuse gcm_options that is not an object before anything else', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    await addFcmPhone(w, server, user);
    expect(statusAndBody(await notifyWith(server, user, 'high'))).toEqual(error(400, 'BAD_REQUEST', 'payload["gcm_options"] is not a dict'));
  });
});
