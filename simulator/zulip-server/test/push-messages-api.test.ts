/**
 * The message endpoints over HTTPS with Zulip's parameters and error messages: POST
 * /api/v1/messages (direct by ids / emails, channel by name / id, `subject` alias), the flags
 * endpoint and message deletion. No bouncer here (ZULIP_SERVICES_URL unset): nothing is pushed,
 * so these tests are about validation and storage.
 */
import { Agent } from 'undici';
import { VirtualClock } from '../../core/clock';
import { startZulipServer, type ZulipServerHandle } from '../index';
import { ROLE, type User } from '../types';

let zulip: ZulipServerHandle;
let dispatcher: Agent;
let S: User;
let A: User;
let B: User;
const clock = new VirtualClock();

beforeAll(async () => {
  zulip = await startZulipServer({ clock, analyticsJob: false, realms: [{}, { subdomain: 'other' }] });
  dispatcher = new Agent({ connect: { ca: zulip.caCertPem } });
  const humans = zulip.users(zulip.realms()[0]!.id).filter((u) => !u.isBot);
  [S, , , A, B] = humans as [User, User, User, User, User];
});
afterAll(async () => {
  await zulip?.stop();
  await dispatcher?.close();
});

async function api(user: User, method: string, path: string, form: Record<string, string> = {}) {
  const auth = 'Basic ' + Buffer.from(`${user.email}:${zulip.state.apiKeyOf(user.id)}`).toString('base64');
  const res = await fetch(`${zulip.url}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    dispatcher,
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const post = (form: Record<string, string>, user: User = S) => api(user, 'POST', '/api/v1/messages', form);
const error = (msg: string, extra: Record<string, unknown> = {}) => ({ status: 400, body: { result: 'error', msg, code: 'BAD_REQUEST', ...extra } });

describe('POST /api/v1/messages', () => {
  it('should send a direct message by user ids and answer its id', async () => {
    const res = await post({ type: 'direct', to: JSON.stringify([A.id]), content: 'hello **there**' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: 'success', msg: '', id: expect.any(Number) });
    const m = zulip.state.messages.get(res.body.id as number)!;
    expect(m).toMatchObject({
      senderId: S.id,
      realmId: S.realmId,
      recipient: { type: 'direct', userIds: [S.id, A.id].sort((x, y) => x - y) },
      renderedContent: '<p>hello <strong>there</strong></p>',
      dateSent: Math.floor(clock.now() / 1000),
    });
  });

  it('should accept `private`, a JSON list of emails, or comma-separated emails (any case)', async () => {
    const r1 = await post({ type: 'private', to: JSON.stringify([A.email, B.email]), content: 'hi' });
    expect(zulip.state.messages.get(r1.body.id as number)!.recipient).toEqual({ type: 'direct', userIds: [S.id, A.id, B.id].sort((x, y) => x - y) });
    const r2 = await post({ type: 'direct', to: `${A.email.toUpperCase()}, ${B.email}`, content: 'hi' });
    expect(r2.status).toBe(200);
    expect(zulip.state.messages.get(r2.body.id as number)!.recipient).toEqual({ type: 'direct', userIds: [S.id, A.id, B.id].sort((x, y) => x - y) });
  });

  it('should send to a channel by name (case-insensitively) or id, with `topic` or its alias `subject`', async () => {
    const general = [...zulip.state.channels.values()].find((c) => c.realmId === S.realmId && c.name === 'general')!;
    const r1 = await post({ type: 'stream', to: 'General', topic: '  lunch  ', content: 'x' });
    expect(zulip.state.messages.get(r1.body.id as number)!.recipient).toEqual({ type: 'channel', channelId: general.id, topic: 'lunch' });
    const r2 = await post({ type: 'channel', to: String(general.id), subject: 'old name', content: 'x' });
    expect(zulip.state.messages.get(r2.body.id as number)!.recipient).toEqual({ type: 'channel', channelId: general.id, topic: 'old name' });
    const r3 = await post({ type: 'channel', to: JSON.stringify(['general']), topic: 't'.repeat(70), content: 'x' });
    expect(zulip.state.messages.get(r3.body.id as number)!.recipient).toMatchObject({ topic: `${'t'.repeat(57)}...` });
  });

  it("should answer Zulip's parameter errors", async () => {
    expect(await post({ to: '[1]', content: 'x' })).toEqual({
      status: 400,
      body: { result: 'error', msg: "Missing 'type' argument", code: 'REQUEST_VARIABLE_MISSING', var_name: 'type' },
    });
    expect(await post({ type: 'email', to: '[1]', content: 'x' })).toEqual(error('Invalid type'));
    expect(await post({ type: 'direct', to: JSON.stringify([A.id]) })).toEqual({
      status: 400,
      body: { result: 'error', msg: "Missing 'content' argument", code: 'REQUEST_VARIABLE_MISSING', var_name: 'content' },
    });
  });

  it("should answer Zulip's recipient and content errors", async () => {
    expect(await post({ type: 'direct', to: '[99]', content: 'x' })).toEqual(error('Invalid user ID 99'));
    expect(await post({ type: 'direct', to: '["nobody@example.org"]', content: 'x' })).toEqual(error("Invalid email 'nobody@example.org'"));
    expect(await post({ type: 'direct', to: JSON.stringify([A.id, A.email]), content: 'x' })).toEqual(
      error('Recipient lists may contain emails or user IDs, but not both.'),
    );
    expect(await post({ type: 'direct', to: '{"a": 1}', content: 'x' })).toEqual(error('Invalid data type for recipients'));
    expect(await post({ type: 'direct', to: '[]', content: 'x' })).toEqual(error('Message must have recipients'));
    expect(await post({ type: 'direct', content: 'x' })).toEqual(error('Message must have recipients'));
    expect(await post({ type: 'direct', to: JSON.stringify([A.id]), content: ' \n\t ' })).toEqual(error('Message must not be empty'));
    const other = zulip.users(zulip.realms()[1]!.id)[0]!;
    expect(await post({ type: 'direct', to: JSON.stringify([other.id]), content: 'x' })).toEqual(error(`Invalid user ID ${other.id}`));

    expect(await post({ type: 'stream', to: 'nope', topic: 't', content: 'x' })).toEqual({
      status: 400,
      body: { result: 'error', msg: "Channel 'nope' does not exist", code: 'STREAM_DOES_NOT_EXIST', stream: 'nope' },
    });
    expect(await post({ type: 'stream', to: '999', topic: 't', content: 'x' })).toEqual({
      status: 400,
      body: { result: 'error', msg: "Channel with ID '999' does not exist", code: 'STREAM_DOES_NOT_EXIST', stream_id: 999 },
    });
    expect(await post({ type: 'stream', to: 'general', content: 'x' })).toEqual(error('Missing topic'));
    expect(await post({ type: 'stream', topic: 't', content: 'x' })).toEqual(error('Missing channel'));
    expect(await post({ type: 'stream', to: '["a", "b"]', topic: 't', content: 'x' })).toEqual(error('Expected exactly one channel'));
  });

  it('should refuse a direct message to a deactivated user, and a deactivated sender', async () => {
    zulip.state.setUserActive(B.id, false);
    try {
      expect(await post({ type: 'direct', to: JSON.stringify([A.id, B.id]), content: 'x' })).toEqual(error(`'${B.email}' is no longer using Zulip.`));
      await expect(zulip.sendMessage({ senderId: B.id, to: { type: 'direct', userIds: [A.id] }, content: 'x' })).rejects.toMatchObject({
        message: 'Account is deactivated',
        code: 'USER_DEACTIVATED',
      });
      expect((await api(B, 'POST', '/api/v1/messages', { type: 'direct', to: `[${A.id}]`, content: 'x' })).status).toBe(401);
    } finally {
      zulip.state.setUserActive(B.id, true);
    }
  });

  it('should not enqueue any push while the service is paused', async () => {
    await post({ type: 'direct', to: JSON.stringify([A.id]), content: 'x' });
    await zulip.idle();
    expect(zulip.state.activePushNotifications.size).toBe(0);
    expect(zulip.context.queue.failures).toEqual([]);
  });
});

describe('POST /api/v1/messages/flags', () => {
  it('should mark messages read and unread, answering the ids', async () => {
    const id = (await post({ type: 'direct', to: JSON.stringify([A.id]), content: 'x' })).body.id as number;
    expect(await api(A, 'POST', '/api/v1/messages/flags', { messages: `[${id}]`, op: 'add', flag: 'read' })).toEqual({
      status: 200,
      body: { result: 'success', msg: '', messages: [id] },
    });
    expect(zulip.state.isRead(A.id, id)).toBe(true);
    await api(A, 'POST', '/api/v1/messages/flags', { messages: `[${id}]`, op: 'remove', flag: 'read' });
    expect(zulip.state.isRead(A.id, id)).toBe(false);
    expect((await api(A, 'POST', '/api/v1/messages/flags', { messages: `[${id}]`, op: 'add', flag: 'starred' })).status).toBe(200);
  });

  it("should answer Zulip's errors", async () => {
    const id = (await post({ type: 'direct', to: JSON.stringify([A.id]), content: 'x' })).body.id as number;
    const flags = (form: Record<string, string>, user: User = A) => api(user, 'POST', '/api/v1/messages/flags', form);
    expect(await flags({ messages: `[${id}]`, op: 'add', flag: 'bogus' })).toEqual(error("Invalid flag: 'bogus'"));
    expect(await flags({ messages: `[${id}]`, op: 'add', flag: 'mentioned' })).toEqual(error("Flag not editable: 'mentioned'"));
    expect(await flags({ messages: `[${id}]`, op: 'toggle', flag: 'read' })).toEqual(error("Invalid message flag operation: 'toggle'"));
    expect(await flags({ messages: '[999999]', op: 'add', flag: 'read' })).toEqual(error('Invalid message(s)'));
    expect(await flags({ messages: `[${id}]`, op: 'add', flag: 'read' }, B)).toEqual(error('Invalid message(s)'));
    expect(await flags({ messages: '5', op: 'add', flag: 'read' })).toEqual(error('messages is not a list'));
    expect(await flags({ messages: 'x', op: 'add', flag: 'read' })).toEqual(error('messages is not valid JSON'));
    expect(await flags({ op: 'add', flag: 'read' })).toMatchObject({ body: { code: 'REQUEST_VARIABLE_MISSING', var_name: 'messages' } });
  });
});

describe('DELETE /api/v1/messages/{message_id}', () => {
  it('should let the sender or an administrator delete, nobody else', async () => {
    const id = (await post({ type: 'direct', to: JSON.stringify([A.id, B.id]), content: 'x' })).body.id as number;
    expect(await api(A, 'DELETE', `/api/v1/messages/${id}`)).toEqual(error("You don't have permission to delete this message"));
    expect(await api(S, 'DELETE', `/api/v1/messages/${id}`)).toEqual({ status: 200, body: { result: 'success', msg: '' } });
    expect(zulip.state.messages.has(id)).toBe(false);
    expect(await api(S, 'DELETE', `/api/v1/messages/${id}`)).toEqual(error('Invalid message(s)'));

    const admin = zulip.users(S.realmId).find((u) => u.role === ROLE.ADMINISTRATOR)!;
    const id2 = (await post({ type: 'stream', to: 'general', topic: 't', content: 'x' }, A)).body.id as number;
    expect((await api(admin, 'DELETE', `/api/v1/messages/${id2}`)).status).toBe(200);
    expect((await api(S, 'DELETE', '/api/v1/messages/abc')).status).toBe(404);
  });
});
