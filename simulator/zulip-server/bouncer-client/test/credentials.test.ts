/**
 * Credentials come from the secrets file at every call: after `register_server --rotate-key`
 * (or a registration transfer) rewrites it, the very next request uses the new key.
 */
import { BouncerCredentialsMissingError } from '../errors';
import { catchAll, basicAuthOf, formFields, intercept, makeClient, randomKey, useNock } from './support';

useNock();

it('should rotate with the old key and authenticate with the new one once the secrets file has it', async () => {
  const { client, secrets } = makeClient();
  const oldKey = secrets.zulipOrgKey;
  const newKey = randomKey();

  // 1. rotation: the old key authenticates the request that installs the new one
  const rotate = intercept('POST', 'server/register', 200, { result: 'success', msg: '', created: false });
  await client.registerServer({ hostname: 'zulip.example.net', contactEmail: 'admin@zulip.com', newOrgKey: newKey });
  expect(formFields(rotate[0]!)).toContainEqual(['zulip_org_key', oldKey]);
  expect(formFields(rotate[0]!)).toContainEqual(['new_org_key', newKey]);

  // 2. register_server writes the new key into the secrets file
  secrets.zulipOrgKey = newKey;

  // 3. the next call reads it
  const status = intercept('GET', 'server/analytics/status', 200, {
    result: 'success',
    msg: '',
    last_realm_count_id: 0,
    last_installation_count_id: 0,
    last_realmauditlog_id: 0,
  });
  await client.analyticsStatus();
  expect(status[0]!.headers.authorization).toBe(basicAuthOf({ zulipOrgId: secrets.zulipOrgId, zulipOrgKey: newKey }));
});

it('should follow a transferred registration (new id and key) into server_uuid and Basic auth', async () => {
  const { client, secrets } = makeClient();
  intercept('POST', 'server/register/verify_challenge', 200, {
    result: 'success',
    msg: '',
    zulip_org_id: '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe',
    zulip_org_key: 'k'.repeat(64),
  });
  const res = await client.verifyTransferChallenge({ hostname: 'zulip.example.net', accessToken: 'tok' });
  if ('skipped' in res) throw new Error('unexpected skip');
  Object.assign(secrets, { zulipOrgId: res.zulip_org_id, zulipOrgKey: res.zulip_org_key });

  const seen = intercept('POST', 'push/unregister/all');
  await client.unregisterAllPushDevices({ userId: 1, userUuid: 'u', realmUuid: 'r' });
  expect(seen[0]!.headers.authorization).toBe(basicAuthOf({ zulipOrgId: res.zulip_org_id, zulipOrgKey: 'k'.repeat(64) }));
  expect(formFields(seen[0]!)[0]).toEqual(['server_uuid', '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe']);
});

it('should refuse to send anything without credentials', async () => {
  const { client } = makeClient({ credentials: () => ({ zulipOrgId: '', zulipOrgKey: '' }) });
  const any = catchAll();
  await expect(client.analyticsStatus()).rejects.toBeInstanceOf(BouncerCredentialsMissingError);
  await expect(client.registerServer({ hostname: 'h.example.net', contactEmail: 'a@zulip.com' })).rejects.toBeInstanceOf(
    BouncerCredentialsMissingError,
  );
  // The unauthenticated transfer start needs none.
  await expect(client.transferRegistration({ hostname: 'h.example.net' })).resolves.toEqual({});
  expect(any.hits).toEqual(['/api/v1/remotes/server/register/transfer']);
});

it('should never log the key', async () => {
  const { client, secrets, log } = makeClient();
  intercept('POST', 'server/register', 401, { result: 'error', msg: 'nope', code: 'UNAUTHORIZED' });
  await client.registerServer({ hostname: 'h.example.net', contactEmail: 'a@zulip.com' }).catch(() => undefined);
  intercept('POST', 'server/deactivate', 503, 'down');
  await client.deactivateServer().catch(() => undefined);
  const text = JSON.stringify(log.lines);
  expect(log.lines.length).toBeGreaterThan(0);
  expect(text).not.toContain(secrets.zulipOrgKey);
  expect(text).not.toContain(Buffer.from(`${secrets.zulipOrgId}:${secrets.zulipOrgKey}`).toString('base64'));
});
