/**
 * Legacy pushes from a message to a lock screen (profile 11: the app registers legacy tokens
 * below FL 468). A DM, a group DM and a channel mention each reach exactly the right phones,
 * on both platforms, with the title, subtitle and body a person would see
 * (server-and-app.md §C.4 for iOS, the app's own titles on Android).
 */
import type { Phone } from '../../simulator/devices/phone';
import type { User } from '../../simulator/zulip-server/types';
import { seen, startWorld, type World } from '../../harness/world';

let world: World;
let hamlet: User, othello: User, iago: User, shiva: User;
let hamletIos: Phone, hamletAndroid: Phone, othelloIos: Phone, iagoAndroid: Phone, shivaIos: Phone;

beforeAll(async () => {
  world = await startWorld({ profile: 11 });
  await world.registerServer();
  ({ hamlet, othello, iago, shiva } = world.people);
  hamletIos = await world.phone(hamlet, 'ios');
  hamletAndroid = await world.phone(hamlet, 'android');
  othelloIos = await world.phone(othello, 'ios');
  iagoAndroid = await world.phone(iago, 'android');
  shivaIos = await world.phone(shiva, 'ios');
});
afterAll(() => world.stop());

const nothingFor = async (...phones: Phone[]) => {
  for (const p of phones) expect(await p.pollNotification({ timeoutMs: 50 })).toBeNull();
};

it('should show a direct message on both of the recipient’s phones, titled with the sender', async () => {
  const m = await world.send(othello, { to: [hamlet] });

  expect(seen(await hamletIos.nextNotification())).toEqual({ kind: 'message', shown: true, title: othello.fullName, subtitle: '', body: m.content });
  expect(seen(await hamletAndroid.nextNotification())).toEqual({ kind: 'message', shown: true, title: othello.fullName, body: m.content });
  await nothingFor(othelloIos, iagoAndroid, shivaIos);
});

it('should show a group DM to every other participant, and not to the sender', async () => {
  const m = await world.send(othello, { to: [hamlet, iago] });

  // iOS shows the server's title: every participant's name, sorted; the sender as subtitle.
  const names = [hamlet, othello, iago].map((u) => u.fullName).sort().join(', ');
  expect(seen(await hamletIos.nextNotification())).toEqual({ kind: 'message', shown: true, title: names, subtitle: `${othello.fullName}:`, body: m.content });
  expect(seen(await hamletAndroid.nextNotification())).toMatchObject({ title: `${othello.fullName} to you and 1 other`, body: m.content });
  expect(seen(await iagoAndroid.nextNotification())).toMatchObject({ title: `${othello.fullName} to you and 1 other`, body: m.content });
  await nothingFor(othelloIos, shivaIos);
});

it('should notify only the mentioned user of a channel message', async () => {
  const text = world.stack.zulip.world.messageText();
  const m = await world.send(othello, { channel: 'general', topic: 'castle walls' }, { content: `@**${hamlet.fullName}** ${text}` });

  const body = `@${hamlet.fullName} ${text}`;
  expect(seen(await hamletIos.nextNotification())).toEqual({
    kind: 'message',
    shown: true,
    title: '#general > castle walls',
    subtitle: `${othello.fullName} mentioned you:`,
    body,
  });
  expect(seen(await hamletAndroid.nextNotification())).toMatchObject({ title: '#general > castle walls', body });
  await nothingFor(othelloIos, iagoAndroid, shivaIos);
  expect(m.id).toBeGreaterThan(0);
});

it('should notify every other human of a channel-wide @all', async () => {
  const text = world.stack.zulip.world.messageText();
  await world.send(iago, { channel: 'general', topic: 'news' }, { content: `@**all** ${text}` });

  for (const phone of [hamletIos, hamletAndroid, othelloIos, shivaIos]) {
    expect(seen(await phone.nextNotification())).toMatchObject({ title: '#general > news', body: `@all ${text}` });
  }
  expect((await hamletIos.pollNotification({ timeoutMs: 50 })) ?? undefined).toBeUndefined();
  await nothingFor(iagoAndroid);
});
