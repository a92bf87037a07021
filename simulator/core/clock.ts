/**
 * Time for every component. Components never call Date.now() directly: scenarios cross the
 * 10 s transfer-secret lifetime, the 60 s rate-limit window and the 2-day analytics staleness
 * by advancing a VirtualClock instead of waiting.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time (virtual clocks resolve when advanced past it). */
  sleep(ms: number): Promise<void>;
  readonly kind: 'real' | 'virtual';
}

export const nowSeconds = (clock: Clock): number => clock.now() / 1000;

export class RealClock implements Clock {
  readonly kind = 'real' as const;
  now(): number {
    return Date.now();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

interface Sleeper {
  wakeAt: number;
  resolve: () => void;
}

/** A clock that only moves when told to. Starts at a fixed instant so runs are reproducible. */
export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(startMs: number = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.sleepers.push({ wakeAt: this.current + ms, resolve }));
  }

  /** Moves time forward by `ms` and wakes every sleeper whose time has come. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    return this.set(this.current + ms);
  }

  /** Jumps to an absolute instant (never backwards). */
  set(ms: number): number {
    if (ms < this.current) throw new RangeError('a virtual clock never goes backwards');
    this.current = ms;
    const due = this.sleepers.filter((s) => s.wakeAt <= ms);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > ms);
    for (const s of due) s.resolve();
    return this.current;
  }
}

export function createClock(kind: 'real' | 'virtual' = 'real', startMs?: number): Clock {
  return kind === 'virtual' ? new VirtualClock(startMs) : new RealClock();
}
