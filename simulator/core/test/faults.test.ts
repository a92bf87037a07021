/** Fault rules: matching, bounded firing, seeded shares, validation, explanations. */
import { FaultRuleError, FaultRules } from '../provider-mock/faults';

describe('FaultRules', () => {
  it('should match by device and scope, and fire at most `times` times', () => {
    const rules = new FaultRules();
    rules.add({ id: 'gone', match: { device: 'd1' }, action: { kind: 'error', reason: 'Unregistered' }, times: 2 });
    const hit = (device: string) => rules.decide({ device, scope: 'app' }).terminal?.rule.id;
    expect([hit('d1'), hit('d2'), hit('d1'), hit('d1')]).toEqual(['gone', undefined, 'gone', undefined]);
    expect(rules.list()[0]).toMatchObject({ hits: 2, times: 2 });
  });

  it('should add latencies and keep the first terminal rule', () => {
    const rules = new FaultRules();
    rules.add({ action: { kind: 'latency', ms: 30 } });
    rules.add({ action: { kind: 'reset' } });
    rules.add({ action: { kind: 'latency', ms: 20 } });
    rules.add({ action: { kind: 'goaway' } });
    const d = rules.decide({ device: 'x', scope: null });
    expect(d.latencyMs).toBe(50);
    expect(d.terminal?.action).toEqual({ kind: 'reset' });
    expect(d.firedRuleIds).toEqual(['rule-1', 'rule-2', 'rule-3']);
  });

  it('should pick the same share of traffic for the same seed, and start over on clear()', () => {
    const pick = (rules: FaultRules) =>
      Array.from({ length: 40 }, (_, i) => (rules.decide({ device: `d${i}`, scope: null }).terminal ? i : -1)).filter((i) => i >= 0);
    const a = new FaultRules(42);
    a.add({ match: { share: 0.5 }, action: { kind: 'timeout' } });
    const b = new FaultRules(42);
    b.add({ match: { share: 0.5 }, action: { kind: 'timeout' } });
    const first = pick(a);
    expect(pick(b)).toEqual(first);
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(35);
    a.clear();
    a.add({ match: { share: 0.5 }, action: { kind: 'timeout' } });
    expect(pick(a)).toEqual(first);
  });

  it('should refuse malformed rules and reasons the provider does not have', () => {
    const rules = new FaultRules(1, (reason) => {
      if (reason !== 'BadDeviceToken') throw new FaultRuleError(`unknown reason ${reason}`);
    });
    expect(() => rules.add({ action: { kind: 'error', reason: 'Nope' } })).toThrow('unknown reason Nope');
    expect(() => rules.add({ match: { share: 0 }, action: { kind: 'reset' } })).toThrow('share');
    expect(() => rules.add({ action: { kind: 'latency', ms: -1 } })).toThrow('latency');
    expect(() => rules.add({ action: { kind: 'explode' } as never })).toThrow('unknown action kind explode');
    expect(() => rules.add({ action: { kind: 'reset' }, times: 0 })).toThrow('times');
  });

  it('should explain every rule', () => {
    const rules = new FaultRules();
    rules.add({ id: 'slow', match: { scope: 'p', share: 0.25 }, action: { kind: 'latency', ms: 100 } });
    rules.add({ id: 'busy', action: { kind: 'error', reason: 'QUOTA_EXCEEDED', status: 429, retryAfterSeconds: 3 }, times: 1 });
    expect(rules.explain()).toEqual([
      'slow: scope p, 25% of traffic → +100 ms (fired 0 times)',
      'busy: every request → error QUOTA_EXCEEDED (429), Retry-After 3s (fired 0 of 1 times)',
    ]);
  });
});
