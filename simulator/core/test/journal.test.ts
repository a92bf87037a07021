/** The mock providers' journal: bounded, queryable per device, awaitable, self-explaining. */
import { VirtualClock } from '../clock';
import { Journal, WaitTimeoutError, type NewJournalEntry } from '../provider-mock/journal';

const entry = (device: string, accepted = true, status = accepted ? 200 : 400): NewJournalEntry => ({
  provider: 'apns',
  device,
  scope: 'org.zulip.Zulip',
  id: null,
  request: { method: 'POST', path: `/3/device/${device}`, httpVersion: '2.0', headers: {}, body: '{}' },
  outcome: { accepted, status, reason: accepted ? null : 'BadDeviceToken', responseBody: '' },
});

describe('Journal', () => {
  it('should answer per-device queries in order, with the clock\'s time', () => {
    const clock = new VirtualClock(1_000);
    const j = new Journal('apns', clock);
    j.record(entry('a'));
    clock.advance(5);
    j.record(entry('b', false));
    j.record(entry('a'));
    expect(j.list({ device: 'a' }).map((e) => e.seq)).toEqual([1, 3]);
    expect(j.list({ accepted: false }).map((e) => [e.seq, e.time])).toEqual([[2, 1_005]]);
    expect(j.list({ afterSeq: 1, limit: 1 }).map((e) => e.seq)).toEqual([3]);
  });

  it('should hold at most its capacity, dropping the oldest', () => {
    const j = new Journal('fcm', new VirtualClock(), 10);
    for (let i = 0; i < 25; i++) j.record(entry(`d${i}`));
    expect(j.stats).toMatchObject({ lastSeq: 25, held: 10, dropped: 15 });
    expect(j.list()[0]!.seq).toBe(16);
  });

  it('should resolve a wait when the next accepted notification for the device arrives', async () => {
    const j = new Journal('apns', new VirtualClock());
    j.record(entry('phone'));
    const next = j.next('phone', { timeoutMs: 1_000 });
    j.record(entry('other'));
    j.record(entry('phone', false));
    const want = j.record(entry('phone'));
    await expect(next).resolves.toBe(want);
  });

  it('should return an entry already recorded after the given seq without waiting', async () => {
    const j = new Journal('apns', new VirtualClock());
    const first = j.record(entry('phone'));
    await expect(j.next('phone', { afterSeq: 0 })).resolves.toBe(first);
  });

  it('should explain a timeout with what the journal saw instead', async () => {
    const j = new Journal('apns', new VirtualClock());
    const wait = j.next('phone', { timeoutMs: 20 });
    j.record(entry('phone', false));
    j.record(entry('tablet'));
    const err = await wait.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toBe(
      'apns: no accepted notification for device phone within 20 ms (after journal seq 0). ' +
        'For this device the journal saw: #1 400 BadDeviceToken. ' +
        'Latest requests overall: #1 400 BadDeviceToken for phone; #2 200 for tablet.',
    );
  });

  it('should dump held entries as JSON lines for the privacy scanner', () => {
    const j = new Journal('apns', new VirtualClock());
    j.record(entry('a'));
    j.record(entry('b'));
    expect(j.dump().split('\n').map((l) => (JSON.parse(l) as { device: string }).device)).toEqual(['a', 'b']);
  });
});
