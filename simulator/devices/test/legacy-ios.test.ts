/**
 * An iPhone receiving legacy pushes through the mock APNs (server-and-app.md §C.4, §C.5): the
 * OS shows `aps.alert` as the server wrote it; a remove clears what it names.
 */
import type { IosPhone } from '../phone';
import { DENMARK, DM, GROUP_DM, iosPhone, legacyApnsMessage, legacyApnsRemove, OTHELLO, pushApns, REALM_URL, startProviders, type Providers } from './support';

let p: Providers;
let phone: IosPhone;
beforeAll(async () => {
  p = await startProviders();
});
afterAll(() => p.stop());
beforeEach(() => {
  phone = iosPhone(p);
});

it('should show a 1:1 DM titled with the sender, no subtitle text, and the content', async () => {
  await pushApns(p, phone.token, legacyApnsMessage({ conversation: DM, messageId: 101, content: 'To be, or not to be' }));
  expect(await phone.nextNotification()).toMatchObject({
    kind: 'message',
    shown: true,
    encrypted: false,
    title: OTHELLO.fullName,
    subtitle: '',
    body: 'To be, or not to be',
    realmUrl: REALM_URL,
    userId: 10,
    messageIds: [101],
  });
});

it('should show a group DM titled with every member, the sender as subtitle', async () => {
  await pushApns(p, phone.token, legacyApnsMessage({ conversation: GROUP_DM, messageId: 102, content: 'Who is there?' }));
  expect(await phone.nextNotification()).toMatchObject({
    kind: 'message',
    title: 'Cordelia, Lear’s daughter, Iago, King Hamlet, Othello, the Moor of Venice',
    subtitle: 'Othello, the Moor of Venice:',
    body: 'Who is there?',
  });
});

it('should show a channel message as "#channel > topic" with the sender as subtitle', async () => {
  await pushApns(p, phone.token, legacyApnsMessage({ conversation: DENMARK, messageId: 103, content: 'Something is rotten' }));
  expect(await phone.nextNotification()).toMatchObject({ title: '#Denmark > castle walls', subtitle: 'Othello, the Moor of Venice:', body: 'Something is rotten' });
});

it('should clear the lock screen entries a remove names, and keep the others', async () => {
  await pushApns(p, phone.token, legacyApnsMessage({ conversation: DM, messageId: 201, content: 'one' }));
  await pushApns(p, phone.token, legacyApnsMessage({ conversation: DENMARK, messageId: 202, content: 'two' }));
  await phone.nextNotification();
  await phone.nextNotification();
  expect(phone.lockScreen().map((i) => i.body)).toEqual(['one', 'two']);

  await pushApns(p, phone.token, legacyApnsRemove([201]), { pushType: 'alert', priority: 5 });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'remove', shown: false, messageIds: [201] });
  expect(phone.lockScreen().map((i) => i.body)).toEqual(['two']);
});

it('should show the test notification the bouncer writes', async () => {
  const zulip = { realm_uri: REALM_URL, realm_url: REALM_URL, realm_name: 'Example Organization', user_id: 10, event: 'test' };
  const aps = { alert: { title: 'Test notification', body: `This is a test notification from Example Organization (${REALM_URL}).` }, sound: 'default' };
  await pushApns(p, phone.token, { zulip, aps });
  expect(await phone.nextNotification()).toMatchObject({ kind: 'test', shown: true, title: 'Test notification', body: aps.alert.body });
});

it('should not see pushes sent to another phone', async () => {
  const other = iosPhone(p, { label: "Ophelia's iPhone" });
  await pushApns(p, other.token, legacyApnsMessage({ conversation: DM, messageId: 301, content: 'not for Hamlet' }));
  expect(await phone.pollNotification({ timeoutMs: 200 })).toBeNull();
  expect(await other.nextNotification()).toMatchObject({ body: 'not for Hamlet' });
});
