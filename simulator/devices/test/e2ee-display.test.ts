/**
 * E2EE pushes through the real mocks (server-and-app.md §A.3, §B.1–§B.2): the phone opens the
 * box with the key its push_key_id names and shows the exact decrypted text — on iOS as the
 * Notification Service Extension does (title, subtitle, body), on Android as the app does.
 */
import type { Phone } from '../phone';
import {
  androidPhone,
  DENMARK,
  DM,
  e2eeApnsPayload,
  e2eeFcmData,
  e2eeMessagePlaintext,
  e2eeTestPlaintext,
  GROUP_DM,
  iosPhone,
  OTHELLO,
  pushApns,
  pushFcm,
  startProviders,
  type MessageSpec,
  type Providers,
} from './support';

let p: Providers;
beforeAll(async () => {
  p = await startProviders();
});
afterAll(() => p.stop());

/** Exact text with everything JSON and UTF-8 can trip over. */
const TRICKY = 'Ophelia said "get thee to a nunnery" — 🌸\\n ünïcödé\n<b>not html</b> ☃';

/** Registers (recording API) so the phone has a key, then sends `plaintext` as a server would. */
async function deliver(phone: Phone, plaintext: string): Promise<void> {
  await phone.registerE2ee();
  const key = phone.keys.latest!;
  if (phone.platform === 'ios') await pushApns(p, phone.token, e2eeApnsPayload(key, plaintext));
  else await pushFcm(p, phone.token, e2eeFcmData(key, plaintext));
}

describe.each([
  ['iPhone', () => iosPhone(p)],
  ['Android phone', () => androidPhone(p)],
] as const)('an %s', (_name, makePhone) => {
  it('should decrypt a message to the exact text and keep the plaintext byte for byte', async () => {
    const phone = makePhone();
    const plaintext = e2eeMessagePlaintext({ conversation: DM, messageId: 501, content: TRICKY });
    await deliver(phone, plaintext);
    expect(await phone.nextNotification()).toMatchObject({ kind: 'message', encrypted: true, pushKeyId: phone.keys.latest!.id, body: TRICKY, plaintext });
  });

  it('should title a 1:1 DM with the sender', async () => {
    const phone = makePhone();
    await deliver(phone, e2eeMessagePlaintext({ conversation: DM, messageId: 502, content: 'dm' }));
    expect(await phone.nextNotification()).toMatchObject({ title: OTHELLO.fullName, body: 'dm', messageIds: [502] });
  });

  it('should title a group DM with the sender and the number of others', async () => {
    const phone = makePhone();
    await deliver(phone, e2eeMessagePlaintext({ conversation: GROUP_DM, messageId: 503, content: 'group' }));
    expect(await phone.nextNotification()).toMatchObject({ title: 'Othello, the Moor of Venice to you and 2 others', body: 'group' });
  });

  it('should title a channel message "#channel > topic"', async () => {
    const phone = makePhone();
    await deliver(phone, e2eeMessagePlaintext({ conversation: DENMARK, messageId: 504, content: 'channel' }));
    expect(await phone.nextNotification()).toMatchObject({ title: '#Denmark > castle walls', body: 'channel' });
  });
});

it('should give iOS subtitles: the sender for a channel, empty for DMs', async () => {
  const spec = (conversation: MessageSpec['conversation'], messageId: number) => e2eeMessagePlaintext({ conversation, messageId, content: 'x' });
  const phone = iosPhone(p);
  await deliver(phone, spec(DENMARK, 601));
  await deliver(phone, spec(GROUP_DM, 602));
  expect(await phone.nextNotification()).toMatchObject({ subtitle: 'Othello, the Moor of Venice:' });
  expect(await phone.nextNotification()).toMatchObject({ subtitle: '' });
});

it('should show an E2EE test notification on iOS as its aps.alert, and not at all on Android', async () => {
  const iphone = iosPhone(p);
  const android = androidPhone(p);
  await deliver(iphone, e2eeTestPlaintext());
  await deliver(android, e2eeTestPlaintext());
  expect(await iphone.nextNotification()).toMatchObject({ kind: 'test', shown: true, title: 'New notification' });
  expect(await android.nextNotification()).toMatchObject({ kind: 'test', shown: false });
});
