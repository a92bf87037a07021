/**
 * `server/register` checks everything a registration carries before it stores anything
 * (bouncer-protocol.md §3.1, §1.4): the zulip_org_id, the zulip_org_key (and a new one), the
 * hostname and the contact email — each refusal with Zulip's exact status, code and message, and
 * no server created. The contact email's DNS comes from the bouncer's offline table, edited here
 * through its admin surface (seed: "Signing up"; "Updating your server's registration").
 */
import { newServerIdentity, startWorld, type World } from '../../harness/world';

const REGISTER = '/api/v1/remotes/server/register';

let world: World;
const server = newServerIdentity();
const valid = { zulip_org_id: server.uuid, zulip_org_key: server.key, hostname: 'chat.example.org', contact_email: 'admin@zulip.com' };

beforeAll(async () => {
  world = await startWorld();
  // A domain whose name resolves but takes no mail, and one that does not exist at all.
  await world.bouncer.admin('PUT', 'dns/no-mail.example.org', { a: ['192.0.2.99'] });
  await world.bouncer.admin('DELETE', 'dns/gone.example.org');
});
afterAll(() => world.stop());

const without = (name: keyof typeof valid) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== name));
const missing = (name: string) => ({ status: 400, code: 'REQUEST_VARIABLE_MISSING', msg: `Missing '${name}' argument`, var_name: name });
const bad = (msg: string, extra: Record<string, unknown> = {}) => ({ status: 400, code: 'BAD_REQUEST', msg, ...extra });
const email = (reason: string) => bad(`Invalid server administrator email address: ${reason}`, { email_reason: reason });

describe.each([
  // zulip_org_id
  ['no zulip_org_id', without('zulip_org_id'), missing('zulip_org_id')],
  ['a blank zulip_org_id', { ...valid, zulip_org_id: ' '.repeat(36) }, bad('zulip_org_id cannot be blank')],
  ['a short zulip_org_id', { ...valid, zulip_org_id: '18cedb98' }, bad('zulip_org_id is not length 36')],
  ['a zulip_org_id that is no UUID', { ...valid, zulip_org_id: 'x'.repeat(36) }, bad('Invalid UUID')],
  ['a version-5 UUID', { ...valid, zulip_org_id: '18cedb98-5222-5f34-50a9-fc418e1ba972' }, bad('Invalid UUID')],
  ['an upper-case UUID', { ...valid, zulip_org_id: server.uuid.toUpperCase() }, bad('Invalid UUID')],
  // zulip_org_key and new_org_key
  ['no zulip_org_key', without('zulip_org_key'), missing('zulip_org_key')],
  ['a 63-character key', { ...valid, zulip_org_key: 'k'.repeat(63) }, bad('zulip_org_key is not length 64')],
  ['a 65-character key', { ...valid, zulip_org_key: 'k'.repeat(65) }, bad('zulip_org_key is not length 64')],
  ['a blank key', { ...valid, zulip_org_key: ' '.repeat(64) }, bad('zulip_org_key cannot be blank')],
  ['a short new_org_key', { ...valid, new_org_key: 'n'.repeat(10) }, bad('new_org_key is not length 64')],
  // hostname
  ['no hostname', without('hostname'), missing('hostname')],
  ['a hostname without a domain', { ...valid, hostname: 'invalid-host' }, bad('invalid-host is not a valid hostname')],
  ['a hostname with a path', { ...valid, hostname: 'example.com/path' }, bad('example.com/path contains invalid components (e.g., path, query, fragment).')],
  ['a hostname with a query', { ...valid, hostname: 'example.com?x=1' }, bad('example.com?x=1 contains invalid components (e.g., path, query, fragment).')],
  ['a hostname over 128 characters', { ...valid, hostname: `${'a'.repeat(120)}.example.org` }, bad('hostname is too long (limit: 128 characters)')],
  // contact_email
  ['no contact_email', without('contact_email'), missing('contact_email')],
  ['a contact email that is no address', { ...valid, contact_email: 'server-admin' }, email('Enter a valid email address.')],
  ['a disposable contact email', { ...valid, contact_email: 'admin@mailnator.com' }, email('Please use your real email address.')],
  ['a contact email at example.com', { ...valid, contact_email: 'admin@example.com' }, email('example.com is not a valid email domain.')],
  ['a contact email whose domain takes no mail', { ...valid, contact_email: 'admin@no-mail.example.org' }, email('no-mail.example.org is invalid because it does not have any MX records')],
  ['a contact email whose domain does not exist', { ...valid, contact_email: 'admin@gone.example.org' }, email('gone.example.org does not exist')],
])('a registration with %s', (_what, form, expected) => {
  it(`should be refused: ${expected.status} ${expected.code} "${expected.msg}"`, async () => {
    const { status, body } = await world.bouncer.call('POST', REGISTER, { form: form as Record<string, string> });
    const { status: expectedStatus, ...fields } = expected;

    expect({ status, body }).toEqual({ status: expectedStatus, body: { result: 'error', ...fields } });
    expect(world.bouncer.query('SELECT uuid FROM remote_zulip_server')).toEqual([]);
  });
});

it('should register the server once every field is right, with a legal port in the hostname', async () => {
  const { status, body } = await world.bouncer.call('POST', REGISTER, { form: { ...valid, hostname: 'chat.example.org:8443' } });

  expect({ status, body }).toEqual({ status: 200, body: { result: 'success', msg: '', created: true } });
  expect(world.bouncer.query('SELECT uuid, hostname, contact_email FROM remote_zulip_server')).toEqual([
    { uuid: server.uuid, hostname: 'chat.example.org:8443', contact_email: 'admin@zulip.com' },
  ]);
});
