/**
 * A self-hosted server's life with the push notification service: it registers, re-registers
 * with a new contact, rotates its key, and finally deactivates (seed: "Signing up").
 */
import crypto from 'node:crypto';
import { call, type Credentials } from '../../harness/http-client';
import { startEmbeddedStack, type Stack } from '../../harness/stack/embedded';

const REGISTER = '/api/v1/remotes/server/register';
const STATUS = '/api/v1/remotes/server/analytics/status';
const DEACTIVATE = '/api/v1/remotes/server/deactivate';

const orgKey = () => crypto.randomBytes(48).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(64, 'x').slice(0, 64);

let stack: Stack;
beforeEach(async () => {
  stack = await startEmbeddedStack();
});
afterEach(() => stack.stop());

it('should register, update, rotate the key and deactivate a server', async () => {
  const bouncer = stack.bouncer;
  const server: Credentials = { uuid: crypto.randomUUID(), key: orgKey() };
  const form = (extra: Record<string, string> = {}) => ({
    zulip_org_id: server.uuid,
    zulip_org_key: server.key,
    hostname: 'chat.example.org',
    contact_email: 'admin@zulip.com',
    ...extra,
  });

  // 1. register
  expect((await call(bouncer, 'POST', REGISTER, { form: form() })).body).toMatchObject({ created: true });
  expect((await call(bouncer, 'GET', STATUS, { auth: server })).status).toBe(200);

  // 2. rotate: the old key dies at once
  const newKey = orgKey();
  expect((await call(bouncer, 'POST', REGISTER, { form: form({ new_org_key: newKey }) })).body).toMatchObject({
    created: false,
  });
  expect((await call(bouncer, 'GET', STATUS, { auth: server })).status).toBe(401);
  server.key = newKey;
  expect((await call(bouncer, 'GET', STATUS, { auth: server })).status).toBe(200);

  // 3. deactivate: every later call is refused
  expect((await call(bouncer, 'POST', DEACTIVATE, { json: {}, auth: server })).status).toBe(200);
  const after = await call(bouncer, 'GET', STATUS, { auth: server });
  expect(after.status).toBe(401);
  expect(after.body.msg).toBe(
    'The mobile push notification service registration for your server has been deactivated',
  );

  // 4. neither key reached the bouncer's log
  const log = bouncer.logLines().map((l) => JSON.stringify(l)).join('\n');
  expect(log).not.toContain(newKey);
});
