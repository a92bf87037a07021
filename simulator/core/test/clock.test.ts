/** Virtual time: moves only when told, wakes sleepers in order, never goes back. */
import { RealClock, VirtualClock } from '../clock';

describe('VirtualClock', () => {
  it('should start at a fixed instant and move only when advanced', () => {
    const clock = new VirtualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('should wake sleepers whose time has come, and only those', async () => {
    const clock = new VirtualClock(0);
    const woken: string[] = [];
    void clock.sleep(10_000).then(() => woken.push('10s'));
    void clock.sleep(60_000).then(() => woken.push('60s'));
    clock.advance(10_000);
    await Promise.resolve();
    expect(woken).toEqual(['10s']);
    clock.advance(50_000);
    await Promise.resolve();
    expect(woken).toEqual(['10s', '60s']);
  });

  it('should refuse to go backwards', () => {
    const clock = new VirtualClock(5);
    expect(() => clock.set(4)).toThrow('never goes backwards');
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('RealClock', () => {
  it('should follow the system time', () => {
    const before = Date.now();
    const now = new RealClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
