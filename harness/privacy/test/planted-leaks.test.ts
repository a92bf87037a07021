/**
 * Proving the detector: each test plants one kind of leak through the stack's real code paths
 * (a logger, an error response, a database column, a payload that skips redaction, an E2EE
 * payload whose "encryption" is base64, a secret in a log header) and asserts the verdict names
 * it — sink, kind, encoding, location, field — with the value shown redacted. Each planted world
 * stops with `skipVerdict` (the verdict was taken by hand). One clean world shows zero findings
 * while content legitimately crossed the providers.
 */
import crypto from 'node:crypto';
import { call } from '../../http-client';
import { privacyVerdict, type PrivacyFinding, type PrivacyVerdict } from '..';
import { startWorld, type World } from '../../world';
import { buildLegacyMessageNotify } from '../../../simulator/zulip-server/payloads';
import type { E2eeNotifyInput } from '../../../simulator/zulip-server/bouncer-client/wire';

const verdictOf = (world: World, label: string) => privacyVerdict(world.stack, { label, write: false });

const lastWord = (s: string) => s.split(' ').pop()!;

/** The findings of a verdict, in a form that reads well in a failed expectation. */
const brief = (v: PrivacyVerdict) => v.findings.map((f) => `${f.kind} in ${f.sink} at ${f.location}${f.field ? ` (${f.field})` : ''} [${f.encoding}] ${f.subject}`);

type Want = Partial<Omit<PrivacyFinding, 'location' | 'field'>> & { location?: string | RegExp; field?: string | RegExp };

function expectFinding(v: PrivacyVerdict, want: Want): PrivacyFinding {
  const match = v.findings.find(
    (f) =>
      (want.sink === undefined || f.sink === want.sink) &&
      (want.kind === undefined || f.kind === want.kind) &&
      (want.encoding === undefined || f.encoding === want.encoding) &&
      (want.subject === undefined || f.subject === want.subject) &&
      (want.location === undefined || (typeof want.location === 'string' ? f.location === want.location : want.location.test(f.location))) &&
      (want.field === undefined || (typeof want.field === 'string' ? f.field === want.field : want.field.test(f.field ?? ''))),
  );
  if (!match) throw new Error(`no finding like ${JSON.stringify({ ...want, location: String(want.location), field: String(want.field) })}; found:\n${brief(v).join('\n')}`);
  return match;
}

describe('a clean world', () => {
  let world: World;
  afterAll(() => world?.stop());

  it('should have zero findings after legacy and E2EE deliveries, while content did reach the providers', async () => {
    world = await startWorld({ profile: 12, seed: 301 });
    await world.registerServer();
    const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
    const legacy = await world.phone(hamlet, 'ios', { protocol: 'legacy' });
    const e2ee = await world.phone(hamlet, 'android');
    await world.send(othello, { to: [hamlet] });
    await legacy.nextNotification();
    await e2ee.nextNotification();

    const v = await verdictOf(world, 'clean');
    expect(brief(v)).toEqual([]);
    // Every sink was read, and the needles were there to be found where they are allowed.
    expect(v.sinks.map((s) => s.sink)).toEqual(
      expect.arrayContaining(['bouncer.log', 'bouncer.db', 'bouncer.db.tables', 'bouncer.responses', 'apns.journal', 'fcm.journal', 'zulip.log', 'apns.log', 'fcm.log']),
    );
    for (const s of v.sinks) expect({ sink: s.sink, error: s.error }).toEqual({ sink: s.sink, error: undefined });
    const apns = v.sinks.find((s) => s.sink === 'apns.journal')!;
    expect(apns.allowed).toMatchObject({ content: expect.any(Number), 'sender-name': expect.any(Number) });
    const db = v.sinks.find((s) => s.sink === 'bouncer.db.tables')!;
    expect(db.allowed).toMatchObject({ 'secret:zulip-org-key': 1 });
    expect(db.bytes).toBeGreaterThan(0);
    const searched = v.sinks[0]!.searched;
    for (const kind of ['content', 'sender-name', 'secret:zulip-org-key', 'secret:user-api-key', 'secret:apns-private-key', 'secret:fcm-private-key', 'secret:bearer-token', 'secret:bouncer-secret-key', 'secret:e2ee-registration-private-key', 'secret:e2ee-push-key', 'secret:realm-owner-secret']) {
      expect({ kind, searched: (searched[kind] ?? 0) > 0 }).toEqual({ kind, searched: true });
    }
  });
});

describe('planted leaks', () => {
  let world: World;
  afterEach(async () => {
    await world?.stop({ skipVerdict: 'planted leak' });
  });

  it('should catch message text and a sender name logged by the bouncer', async () => {
    world = await startWorld({ profile: 12, seed: 302 });
    await world.registerServer();
    const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
    const m = await world.send(othello, { to: [hamlet] });
    // The classic bug: "log the request body while debugging".
    world.stack.bouncer.logger.child({ logger: 'zilencer.views' }).info({ body: JSON.stringify({ gcm_payload: { content: m.content } }) }, 'push/notify body');
    world.stack.bouncer.logger.warn(`APNs: could not notify ${othello.fullName}'s device`);

    const v = await verdictOf(world, 'logged body');
    const f = expectFinding(v, { sink: 'bouncer.log', kind: 'content', subject: `message ${m.id} (text)`, field: 'body(json).gcm_payload.content' });
    expect(f.location).toMatch(/^line \d+ of bouncer\.log$/);
    expect(f.encoding).toBe('raw'); // a plain sentence needs no escaping, even twice
    expect(f.shown).toBe(`${m.content.slice(0, 4)}…(${m.content.length} chars)`);
    expect(f.shown).not.toContain(lastWord(m.content));
    expectFinding(v, { sink: 'bouncer.log', kind: 'sender-name', subject: `user ${othello.id}`, field: 'msg', encoding: 'raw' });
    // One finding per place and message: the canary inside the text is not counted again.
    expect(v.findings.filter((x) => x.sink === 'bouncer.log' && x.kind === 'content')).toHaveLength(1);
  });

  it('should catch an error response that echoes content, in the responses sink and the access log', async () => {
    world = await startWorld({ profile: 12, seed: 303 });
    await world.registerServer();
    const m = await world.send(world.user('member', 1), { to: [world.user('member', 0)] });
    const canary = lastWord(m.content);
    const res = await call(world.stack.bouncer, 'POST', '/api/v1/remotes/server/register?debug=1', {
      form: { zulip_org_id: crypto.randomUUID(), zulip_org_key: 'k'.repeat(64), hostname: canary, contact_email: 'admin@zulip.com' },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`${canary} is not a valid hostname`);

    const v = await verdictOf(world, 'echoed hostname');
    const r = expectFinding(v, { sink: 'bouncer.responses', kind: 'content', subject: `message ${m.id} (canary)`, field: 'body(json).msg', encoding: 'raw' });
    // The path, without its query string.
    expect(r.location).toMatch(/^line \d+ of responses\.jsonl \(400 \/api\/v1\/remotes\/server\/register\)$/);
    // Zulip's access log writes 4xx bodies: `status=400, data=b'…'`.
    expectFinding(v, { sink: 'bouncer.log', kind: 'content', subject: `message ${m.id} (canary)`, field: 'msg' });
  });

  it('should catch content and a sender name stored in a database column, by table, row and column', async () => {
    world = await startWorld({ profile: 12, seed: 304 });
    await world.registerServer();
    const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
    const m = await world.send(othello, { to: [hamlet] });
    // A realm renamed to a message's text is uploaded with the realm metadata and stored.
    const realm = world.realm();
    world.stack.zulip.state.updateRealm(realm.id, { name: m.content });
    await world.stack.zulip.uploadServerData();
    world.stack.bouncer.query('UPDATE remote_zulip_server SET contact_email = ? RETURNING id', othello.fullName);
    // An org key is allowed in remote_zulip_server.api_key — and only there.
    world.stack.bouncer.query('UPDATE remote_zulip_server SET last_version = api_key RETURNING id');

    const v = await verdictOf(world, 'stored column');
    const row = world.stack.bouncer.query<{ id: number }>('SELECT id FROM remote_realm WHERE uuid = ?', realm.uuid)[0]!;
    expectFinding(v, { sink: 'bouncer.db.tables', kind: 'content', subject: `message ${m.id} (text)`, location: `table remote_realm row ${row.id}`, field: 'name' });
    // The bouncer's audit row of the rename keeps the new name too.
    expectFinding(v, { sink: 'bouncer.db.tables', kind: 'content', location: /^table remote_realm_audit_log row \d+$/, field: 'extra_data' });
    expectFinding(v, { sink: 'bouncer.db.tables', kind: 'sender-name', location: /^table remote_zulip_server row \d+$/, field: 'contact_email' });
    expectFinding(v, { sink: 'bouncer.db.tables', kind: 'secret:zulip-org-key', location: /^table remote_zulip_server row \d+$/, field: 'last_version' });
    // The raw bytes say it too, with the file and the byte offset.
    expectFinding(v, { sink: 'bouncer.db', kind: 'content', location: /^bouncer\.sqlite3(-wal)? byte \d+$/ });
    expect(v.findings.some((f) => f.sink === 'bouncer.db' && f.kind === 'secret:zulip-org-key')).toBe(false);
  });

  it('should catch a redaction bypass: content of a realm that requires E2EE in a legacy payload', async () => {
    world = await startWorld({ profile: 12, seed: 305, zulip: { realms: [{ requireE2eePushNotifications: true }] } });
    await world.registerServer();
    const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
    const phone = await world.phone(hamlet, 'ios', { protocol: 'legacy' });
    const m = await world.send(othello, { to: [hamlet] }); // 12.x: no legacy push for this realm
    const zulip = world.stack.zulip;
    const realm = world.realm();
    // A server that forgets the realm's setting builds the legacy payload anyway.
    const body = buildLegacyMessageNotify({
      realm: { ...realm, requireE2eePushNotifications: false },
      externalHost: zulip.externalHost,
      user: hamlet,
      message: zulip.state.messages.get(m.id)!,
      sender: othello,
      trigger: 'direct_message',
      devices: zulip.state.legacyDevices.filter((d) => d.userId === hamlet.id),
      profile: 12,
    })!;
    await zulip.context.bouncer.notify({
      userId: body.user_id,
      userUuid: body.user_uuid,
      realmUuid: body.realm_uuid,
      apnsPayload: body.apns_payload,
      gcmPayload: body.gcm_payload,
      gcmOptions: body.gcm_options,
      androidDevices: body.android_devices,
      appleDevices: body.apple_devices,
    });
    await phone.nextNotification();

    const v = await verdictOf(world, 'redaction bypass');
    const f = expectFinding(v, { sink: 'apns.journal', kind: 'redaction-bypass', subject: `message ${m.id} (text)` });
    expect(f.location).toMatch(/^entry seq \d+$/);
    expect(f.field).toContain('notification.aps.alert.body');
    expect(f.field).toContain('request.body(json).aps.alert.body');
    expect(f.rule).toContain('requires E2EE');
    // The sender's name in a legacy payload is allowed, even for this realm (11.x keeps the title).
    expect(v.findings.filter((x) => x.kind === 'sender-name')).toEqual([]);
  });

  it('should catch plaintext on the E2EE path: encrypted_data that is only base64', async () => {
    world = await startWorld({ profile: 12, seed: 306 });
    await world.registerServer();
    const [hamlet, othello] = [world.user('member', 0), world.user('member', 1)];
    await world.phone(hamlet, 'ios');
    const content = world.stack.zulip.world.messageText();
    // A server whose "encryption" is base64 of the plaintext JSON.
    const client = world.stack.zulip.context.bouncer;
    const e2eeNotify = client.e2eeNotify.bind(client);
    client.e2eeNotify = (input: E2eeNotifyInput) => {
      const fake = Buffer.from(JSON.stringify({ type: 'message', sender_full_name: othello.fullName, content })).toString('base64');
      const pushRequests = input.pushRequests.map((r) => ({ ...r, payload: { ...r.payload, encrypted_data: fake } })) as E2eeNotifyInput['pushRequests'];
      return e2eeNotify({ ...input, pushRequests });
    };
    const m = await world.send(othello, { to: [hamlet] }, { content });
    expect(world.stack.apns.journal.list({ accepted: true })).toHaveLength(1);

    const v = await verdictOf(world, 'base64 is not encryption');
    const f = expectFinding(v, { sink: 'apns.journal', kind: 'plaintext-on-e2ee-path', subject: `message ${m.id} (text)`, encoding: 'base64' });
    expect(f.location).toMatch(/^entry seq \d+$/);
    expect(f.field).toMatch(/encrypted_data/);
    expectFinding(v, { sink: 'apns.journal', kind: 'plaintext-on-e2ee-path', subject: `user ${othello.id}`, encoding: 'base64' });
  });

  it('should catch secrets in a log: an org key in a Basic auth header (base64), a user API key in a message', async () => {
    world = await startWorld({ profile: 12, seed: 307 });
    await world.registerServer();
    const zulip = world.stack.zulip;
    const creds = zulip.context.secrets.credentials()!;
    // pino redacts `headers.authorization`; this header is spelled with a capital A, and the
    // redactor scrubs the raw key, not its base64.
    const basic = `Basic ${Buffer.from(`${creds.zulipOrgId}:${creds.zulipOrgKey}`).toString('base64')}`;
    zulip.context.logger.info({ headers: { Authorization: basic } }, 'calling the push bouncer');
    const hamlet = world.user('member', 0);
    zulip.context.logger.info(`authenticated ${hamlet.email} with ${zulip.state.apiKeyOf(hamlet.id)}`);
    // The bouncer's redactor knows the org key: the raw key never reaches its log…
    world.stack.bouncer.logger.info(`server key ${creds.zulipOrgKey}`);
    // …but a hex dump of the request body does.
    world.stack.bouncer.logger.info({ bodyHex: Buffer.from(`zulip_org_key=${creds.zulipOrgKey}`).toString('hex') }, 'malformed body');

    const v = await verdictOf(world, 'secret in a log');
    expectFinding(v, { sink: 'zulip.log', kind: 'secret:zulip-org-key', encoding: 'base64', field: 'headers.Authorization' });
    expectFinding(v, { sink: 'zulip.log', kind: 'secret:user-api-key', subject: `API key of user ${hamlet.id}`, encoding: 'raw', field: 'msg' });
    expectFinding(v, { sink: 'bouncer.log', kind: 'secret:zulip-org-key', encoding: 'hex', field: 'bodyHex' });
    expect(v.findings.filter((f) => f.sink === 'bouncer.log' && f.field === 'msg')).toEqual([]);
    for (const f of v.findings) expect(f.shown).toMatch(/^.{1,4}…\(\d+ chars\)$/u);
  });
});
