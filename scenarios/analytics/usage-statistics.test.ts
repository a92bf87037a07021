/**
 * What the hourly analytics job sends, as the administrator changes settings.py hour by hour
 * (seed: "Uploading usage statistics", "Uploading basic metadata"; server-and-app.md §F;
 * bouncer-protocol.md §10):
 *
 *  - by default (ZULIP_SERVICE_SUBMIT_USAGE_STATISTICS on) the usage statistics — here the
 *    hour's totals of messages sent — and the organisations' metadata and user-count changes;
 *  - with usage statistics off, only the metadata and user-count changes;
 *  - with ZULIP_SERVICE_PUSH_NOTIFICATIONS off, nothing at all.
 */
import { startWorld, type World } from '../../harness/world';

const USER_CREATED = 101;

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.registerServer();
});
afterAll(() => world.stop());

/** What the bouncer holds from the server's uploads (its own statistics apart). */
const uploaded = () => ({
  counts: world.bouncer.query<{ property: string; subgroup: string | null; value: number }>(
    'SELECT property, subgroup, value FROM remote_realm_count WHERE remote_id IS NOT NULL ORDER BY id',
  ),
  installationCounts: world.bouncer.query('SELECT id FROM remote_installation_count WHERE remote_id IS NOT NULL'),
  auditLogs: world.bouncer.query<{ event_type: number; extra_data: string }>(
    'SELECT event_type, extra_data FROM remote_realm_audit_log WHERE remote_id IS NOT NULL ORDER BY remote_id',
  ),
});

/** An hour in the life of the organisation: a newcomer joins, then `messages` messages are sent. */
async function anHourOfActivity(messages: number) {
  const { hamlet, othello } = world.people;
  world.stack.zulip.world.addUser(world.realm());
  for (let i = 0; i < messages; i += 1) await world.send(i % 2 ? hamlet : othello, { to: [i % 2 ? othello : hamlet] });
}

/** The newest user count the bouncer has: members of the first organisation. */
const membersAtBouncer = () => {
  const newest = uploaded().auditLogs.at(-1)!;
  return (JSON.parse(newest.extra_data) as Record<string, Record<string, Record<string, number>>>)['10']!['11']!['400'];
};

describe('by default', () => {
  let before: ReturnType<typeof uploaded>;
  beforeAll(async () => {
    before = uploaded();
    await anHourOfActivity(3);
  });

  it('should upload when the hour is over', async () => {
    expect(await world.hourPasses()).toMatchObject({ outcome: 'uploaded' });
  });

  it('should have sent the hour’s total of messages sent', () => {
    expect(uploaded().counts).toEqual([{ property: 'messages_sent:is_bot:hour', subgroup: 'false', value: 3 }]);
    expect(uploaded().installationCounts).toEqual([]);
  });

  it('should have sent the newcomer’s arrival with the new user counts', () => {
    expect(uploaded().auditLogs.length - before.auditLogs.length).toBe(1);
    expect(uploaded().auditLogs.at(-1)!.event_type).toBe(USER_CREATED);
    expect(membersAtBouncer()).toBe(3);
  });
});

describe('with ZULIP_SERVICE_SUBMIT_USAGE_STATISTICS = False', () => {
  let before: ReturnType<typeof uploaded>;
  beforeAll(async () => {
    world.configure({ submitUsageStatistics: false });
    before = uploaded();
    await anHourOfActivity(2);
  });

  it('should still upload when the hour is over', async () => {
    expect(await world.hourPasses()).toMatchObject({ outcome: 'uploaded' });
  });

  it('should not have sent the hour’s total of messages sent', () => {
    expect(uploaded().counts).toEqual(before.counts);
  });

  it('should have sent the newcomer’s arrival with the new user counts', () => {
    expect(uploaded().auditLogs.length - before.auditLogs.length).toBe(1);
    expect(membersAtBouncer()).toBe(4);
  });
});

describe('with ZULIP_SERVICE_PUSH_NOTIFICATIONS = False', () => {
  let before: ReturnType<typeof uploaded>;
  let requests: number;
  const bouncerRequests = () => world.bouncer.logLines().filter((l) => / \/api\/v1\/remotes\//.test(String(l.msg))).length;
  beforeAll(async () => {
    world.configure({ pushNotifications: false, submitUsageStatistics: true });
    before = uploaded();
    requests = bouncerRequests();
    await anHourOfActivity(1);
  });

  it('should upload nothing when the hour is over', async () => {
    expect(await world.hourPasses()).toBeNull();
    expect(bouncerRequests()).toBe(requests);
  });

  it('should leave the bouncer with what it had', () => {
    expect(uploaded()).toEqual(before);
  });
});
