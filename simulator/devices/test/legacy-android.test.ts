/**
 * An Android phone receiving legacy FCM data (server-and-app.md §A.3 "Legacy FCM message
 * parsing", §C.3, §C.5): the app titles the notification from the conversation and shows the
 * content; it ignores legacy pushes once its server is at FL 468.
 */
import type { AndroidPhone } from '../phone';
import {
  account,
  androidPhone,
  DENMARK,
  DM,
  GROUP_DM,
  IAGO,
  legacyFcmMessage,
  legacyFcmRemove,
  OTHELLO,
  pushFcm,
  REALM_URL,
  startProviders,
  type Providers,
} from './support';

let p: Providers;
let phone: AndroidPhone;
beforeAll(async () => {
  p = await startProviders();
});
afterAll(() => p.stop());
beforeEach(() => {
  phone = androidPhone(p);
});

it("should title a 1:1 DM with the sender's name and show the content", async () => {
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: DM, messageId: 101, content: 'To be, or not to be' }));
  const n = await phone.nextNotification();
  expect(n).toMatchObject({
    kind: 'message',
    shown: true,
    title: OTHELLO.fullName,
    body: 'To be, or not to be',
    realmUrl: REALM_URL,
    userId: 10,
    messageIds: [101],
    sender: { id: OTHELLO.id, fullName: OTHELLO.fullName },
  });
  expect(n).not.toHaveProperty('subtitle');
});

it('should title a group DM "<sender> to you and N others"', async () => {
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: GROUP_DM, messageId: 102, content: 'Who is there?' }));
  expect(await phone.nextNotification()).toMatchObject({ title: 'Othello, the Moor of Venice to you and 2 others', body: 'Who is there?' });
});

it('should say "1 other" for a group DM of three', async () => {
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: { kind: 'group-dm', others: [IAGO] }, messageId: 103, content: 'hi' }));
  expect(await phone.nextNotification()).toMatchObject({ title: 'Othello, the Moor of Venice to you and 1 other' });
});

it('should title a channel message "#channel > topic"', async () => {
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: DENMARK, messageId: 104, content: 'Something is rotten' }));
  expect(await phone.nextNotification()).toMatchObject({ title: '#Denmark > castle walls', body: 'Something is rotten' });
});

it('should clear the notifications a remove names', async () => {
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: DM, messageId: 201, content: 'one' }));
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: DENMARK, messageId: 202, content: 'two' }));
  await pushFcm(p, phone.token, legacyFcmRemove([201, 999]), 'normal');
  await phone.nextNotification();
  await phone.nextNotification();
  expect(await phone.nextNotification()).toMatchObject({ kind: 'remove', shown: false, messageIds: [201, 999] });
  expect(phone.lockScreen().map((i) => i.messageIds)).toEqual([[202]]);
});

it('should receive a legacy test notification without showing it', async () => {
  const { zulip_message_ids: _ids, ...base } = legacyFcmRemove([]);
  await pushFcm(p, phone.token, { ...base, event: 'test', time: 1_767_268_800 });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'test', shown: false });
  expect(phone.lockScreen()).toEqual([]);
});

it('should ignore legacy pushes when its server is at FL 468 or later', async () => {
  const e2eePhone = androidPhone(p, { account: account(468) });
  await pushFcm(p, e2eePhone.token, legacyFcmMessage({ conversation: DM, messageId: 301, content: 'plaintext' }));
  expect(await e2eePhone.nextNotification()).toMatchObject({ kind: 'dropped', reason: 'legacy-ignored' });
  expect(e2eePhone.lockScreen()).toEqual([]);
});

it('should drop a legacy push for an account it does not have', async () => {
  await pushFcm(p, phone.token, legacyFcmMessage({ conversation: DM, messageId: 302, content: 'for someone else', userId: 99 }));
  const n = await phone.nextNotification();
  expect(n).toMatchObject({ kind: 'dropped', reason: 'unknown-account' });
  expect(JSON.stringify({ ...n, raw: undefined })).not.toContain('for someone else');
});
