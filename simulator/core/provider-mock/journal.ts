/**
 * The journal of a mock provider (APNs or FCM): every request, accepted or rejected, with its
 * headers, payload and outcome. Bounded (a ring of `capacity` entries, oldest dropped first) so
 * a load test cannot grow it without limit. Scenarios query it per device and await "the next
 * notification for this device"; a wait that times out says what the journal saw instead.
 *
 * The journal is a privacy sink: it holds payloads exactly as a provider would receive them.
 * Secrets (bearer tokens) never enter it — mocks store `authorization` redacted.
 */
import type { Clock } from '../clock';

export type ProviderName = 'apns' | 'fcm';

export interface JournalRequest {
  method: string;
  path: string;
  httpVersion: string;
  /** Header names lower-cased; authorization redacted. */
  headers: Record<string, string>;
  body: string;
}

export interface JournalOutcome {
  accepted: boolean;
  status: number;
  /** APNs `reason` or FCM `errorCode` of a rejection; null when accepted. */
  reason: string | null;
  /** The response body sent (empty for APNs success). */
  responseBody: string;
  /** The fault rule that decided this outcome, if any. */
  faultRuleId?: string;
  /** Extra latency a fault rule added, in ms. */
  addedLatencyMs?: number;
}

export interface JournalEntry {
  /** Position in this journal, from 1, never reused. */
  seq: number;
  /** The clock's time (ms) when the request was answered. */
  time: number;
  provider: ProviderName;
  /** APNs device token / FCM registration token the request targeted (null if none could be read). */
  device: string | null;
  /** APNs topic / FCM project. */
  scope: string | null;
  /** apns-id, or the FCM message name when accepted. */
  id: string | null;
  request: JournalRequest;
  outcome: JournalOutcome;
  /** For accepted requests: what the device receives (APNs payload JSON / FCM message). */
  notification?: unknown;
  /** Provider-specific facts worth seeing (e.g. JWT team/key ids, client fingerprint). */
  meta?: Record<string, unknown>;
}

export type NewJournalEntry = Omit<JournalEntry, 'seq' | 'time'>;

export interface JournalFilter {
  device?: string;
  accepted?: boolean;
  /** Only entries with seq > afterSeq. */
  afterSeq?: number;
  /** At most this many, newest last. */
  limit?: number;
}

export interface WaitOptions {
  /** Wait for an entry with seq > afterSeq; default: the journal's last seq at call time. */
  afterSeq?: number;
  /** Real milliseconds (deliveries happen in real time even on a virtual clock). Default 5000. */
  timeoutMs?: number;
  /** Default true: only accepted requests count as notifications. */
  accepted?: boolean;
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

interface Waiter {
  device: string;
  afterSeq: number;
  accepted: boolean | undefined;
  resolve: (e: JournalEntry) => void;
}

export class Journal {
  /** A circular buffer: `start` is the oldest entry, `size` how many are held. */
  private readonly slots: (JournalEntry | undefined)[];
  private start = 0;
  private size = 0;
  private lastSeq = 0;
  private dropped = 0;
  private waiters: Waiter[] = [];

  constructor(
    readonly provider: ProviderName,
    private readonly clock: Clock,
    readonly capacity = 10_000,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError('journal capacity must be a positive integer');
    this.slots = new Array<JournalEntry | undefined>(capacity);
  }

  /** Held entries, oldest first. */
  private get ring(): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.slots[(this.start + i) % this.capacity]!);
    return out;
  }

  record(e: NewJournalEntry): JournalEntry {
    const entry: JournalEntry = { seq: ++this.lastSeq, time: this.clock.now(), ...e };
    // O(1) even when full: overwrite the oldest slot.
    if (this.size < this.capacity) {
      this.slots[(this.start + this.size) % this.capacity] = entry;
      this.size += 1;
    } else {
      this.slots[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
      this.dropped += 1;
    }
    if (this.waiters.length > 0) this.wake(entry);
    return entry;
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const out = this.ring.filter((e) => matches(e, filter.device, filter.accepted, filter.afterSeq ?? 0));
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  get stats() {
    const accepted = this.ring.filter((e) => e.outcome.accepted).length;
    return { lastSeq: this.lastSeq, held: this.size, accepted, rejected: this.size - accepted, dropped: this.dropped, capacity: this.capacity };
  }

  clear(): void {
    this.slots.fill(undefined);
    this.start = 0;
    this.size = 0;
  }

  /** Resolves with the next entry for `device` (accepted ones by default), or rejects with an explanation. */
  next(device: string, opts: WaitOptions = {}): Promise<JournalEntry> {
    const afterSeq = opts.afterSeq ?? this.lastSeq;
    const accepted = opts.accepted ?? true;
    const existing = this.ring.find((e) => matches(e, device, accepted, afterSeq));
    if (existing) return Promise.resolve(existing);
    const timeoutMs = opts.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        device,
        afterSeq,
        accepted,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new WaitTimeoutError(this.explainMiss(device, afterSeq, accepted, timeoutMs)));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** JSON lines of every held entry, for the privacy scanner. */
  dump(): string {
    return this.ring.map((e) => JSON.stringify(e)).join('\n');
  }

  private wake(entry: JournalEntry): void {
    const woken = this.waiters.filter((w) => matches(entry, w.device, w.accepted, w.afterSeq));
    if (woken.length === 0) return;
    this.waiters = this.waiters.filter((w) => !woken.includes(w));
    for (const w of woken) w.resolve(entry);
  }

  private explainMiss(device: string, afterSeq: number, accepted: boolean, timeoutMs: number): string {
    const want = accepted ? 'accepted notification' : 'request';
    const forDevice = this.ring.filter((e) => e.device === device && e.seq > afterSeq);
    const recent = this.ring.slice(-5);
    const lines = [
      `${this.provider}: no ${want} for device ${device} within ${timeoutMs} ms (after journal seq ${afterSeq}).`,
      forDevice.length > 0
        ? `For this device the journal saw: ${forDevice.map(describe).join('; ')}.`
        : 'The journal saw no request for this device at all.',
      recent.length > 0
        ? `Latest requests overall: ${recent.map((e) => `${describe(e)} for ${e.device ?? '(no device)'}`).join('; ')}.`
        : 'The journal is empty.',
    ];
    return lines.join(' ');
  }
}

const matches = (e: JournalEntry, device: string | undefined, accepted: boolean | undefined, afterSeq: number) =>
  e.seq > afterSeq && (device === undefined || e.device === device) && (accepted === undefined || e.outcome.accepted === accepted);

const describe = (e: JournalEntry) =>
  `#${e.seq} ${e.outcome.status}${e.outcome.reason ? ` ${e.outcome.reason}` : ''}${e.outcome.faultRuleId ? ` (fault rule ${e.outcome.faultRuleId})` : ''}`;
