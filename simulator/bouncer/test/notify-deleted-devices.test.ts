/**
 * `deleted_devices` in push/notify responses (§5.1 step 11, get_deleted_devices): the tokens the
 * server believes registered that the bouncer no longer has for this user — including those a
 * provider just invalidated — so the server can delete its own rows.
 */
import {
  addApnsPhone,
  addFcmPhone,
  deviceRows,
  messagePayloads,
  newUser,
  notify,
  notifyBody,
  setUpServer,
  startNotifyStack,
  unknownApnsToken,
  type NotifyWorld,
} from './notify-support';

let w: NotifyWorld;
beforeAll(async () => {
  w = await startNotifyStack();
});
afterAll(() => w.stop());

describe('deleted_devices', () => {
  it('should list Android tokens exactly, once each, sorted', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const kept = await addFcmPhone(w, server, user);
    const invalidated = await addFcmPhone(w, server, user);
    w.fcm.unregisterDevice(invalidated);
    const neverRegistered = 'zz-never-registered';
    const otherUsers = await addFcmPhone(w, server, newUser());

    const payloads = messagePayloads(server, user, { sender: newUser(), content: 'x', messageId: 1, time: 1 });
    const res = await notify(
      w,
      server,
      notifyBody(server, user, payloads, {
        // As a server lists them: its own order, a duplicate, a token in another case (FCM
        // tokens are case-sensitive), and another user's token.
        androidDevices: [neverRegistered, invalidated, kept, neverRegistered, kept.toUpperCase(), otherUsers],
      }),
    );
    expect(res.body).toMatchObject({ result: 'success', total_android_devices: 2 });
    expect((res.body.deleted_devices as { android_devices: string[] }).android_devices).toEqual(
      [neverRegistered, invalidated, kept.toUpperCase(), otherUsers].sort(),
    );
  });

  it("should match Apple tokens case-insensitively and answer in the server's casing", async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const kept = await addApnsPhone(w, server, user);
    const invalidated = await addApnsPhone(w, server, user);
    w.apns.unregisterDevice(invalidated);
    const unknown = unknownApnsToken();

    const payloads = messagePayloads(server, user, { sender: newUser(), content: 'x', messageId: 1, time: 1 });
    const res = await notify(
      w,
      server,
      notifyBody(server, user, payloads, {
        appleDevices: [kept.toUpperCase(), invalidated.toUpperCase(), unknown, kept],
      }),
    );
    expect(res.body).toMatchObject({ result: 'success', total_apple_devices: 2 });
    // The upper-case listing of `kept` matches its row; its second casing is reported for deletion.
    expect(res.body.deleted_devices).toEqual({ android_devices: [], apple_devices: [invalidated.toUpperCase(), unknown, kept].sort() });
    expect(deviceRows(w, server).map((d) => d.token)).toEqual([kept]);
  });

  it('should report nothing when every listed device is still registered, whichever identity matches', async () => {
    const server = await setUpServer(w);
    const user = newUser();
    const byId = await addFcmPhone(w, server, user, { identity: 'id' });
    const byUuid = await addApnsPhone(w, server, user, { identity: 'uuid' });
    const payloads = messagePayloads(server, user, { sender: newUser(), content: 'x', messageId: 1, time: 1 });
    const res = await notify(w, server, notifyBody(server, user, payloads, { androidDevices: [byId], appleDevices: [byUuid] }));
    expect(res.body).toMatchObject({
      total_android_devices: 1,
      total_apple_devices: 1,
      deleted_devices: { android_devices: [], apple_devices: [] },
    });
  });
});
