/**
 * Fault rules for the mock providers: data, not code paths, so the same rule works in-process
 * and over the admin surface. A rule matches a device, a scope (APNs topic / FCM project) and/or
 * a share of traffic, and does one thing: answer with a documented error, add latency, reset the
 * stream, send GOAWAY, or never answer. `times` bounds how often it fires. Shares draw from a
 * seeded generator, so a run replays exactly.
 */
export type FaultAction =
  /** Answer with this provider error: APNs `reason` / FCM `errorCode`, at its documented status. */
  | { kind: 'error'; reason: string; status?: number; retryAfterSeconds?: number }
  /** Wait this long (real ms), then carry on (other rules and normal handling still apply). */
  | { kind: 'latency'; ms: number }
  /** Reset the stream (HTTP/2 RST_STREAM) or the connection (HTTP/1.1). */
  | { kind: 'reset' }
  /** Send GOAWAY on the HTTP/2 session and refuse the request. */
  | { kind: 'goaway' }
  /** Never answer; the client's timeout decides. */
  | { kind: 'timeout' };

export interface FaultMatch {
  device?: string;
  scope?: string;
  /** Fraction of matching requests (0 < share ≤ 1); default 1. */
  share?: number;
}

export interface FaultRuleData {
  id?: string;
  match?: FaultMatch;
  action: FaultAction;
  /** How many times the rule may fire; default unlimited. */
  times?: number;
}

export interface FaultRule extends Required<Pick<FaultRuleData, 'id' | 'action'>> {
  match: FaultMatch;
  times: number | null;
  hits: number;
}

export interface FaultDecision {
  /** Sum of the latency rules that fired. */
  latencyMs: number;
  /** The first non-latency rule that fired, if any. */
  terminal?: { rule: FaultRule; action: Exclude<FaultAction, { kind: 'latency' }> };
  firedRuleIds: string[];
}

export class FaultRuleError extends Error {}

export class FaultRules {
  private rules: FaultRule[] = [];
  private counter = 0;
  private random: () => number;

  constructor(
    private readonly seed = 1,
    /** Validates `error` reasons against the provider's table (throws FaultRuleError). */
    private readonly checkReason: (reason: string, status?: number) => void = () => undefined,
  ) {
    this.random = mulberry32(seed);
  }

  add(data: FaultRuleData): FaultRule {
    validate(data, this.checkReason);
    const id = data.id ?? `rule-${++this.counter}`;
    if (this.rules.some((r) => r.id === id)) throw new FaultRuleError(`a rule with id ${id} exists`);
    const rule: FaultRule = { id, match: data.match ?? {}, action: data.action, times: data.times ?? null, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** Forgets every rule and restarts the share generator from the seed. */
  clear(): void {
    this.rules = [];
    this.random = mulberry32(this.seed);
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Decides what the rules do to one request, counting hits. */
  decide(req: { device: string | null; scope: string | null }): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, firedRuleIds: [] };
    for (const rule of this.rules) {
      if (rule.times !== null && rule.hits >= rule.times) continue;
      if (rule.match.device !== undefined && rule.match.device !== req.device) continue;
      if (rule.match.scope !== undefined && rule.match.scope !== req.scope) continue;
      if (rule.match.share !== undefined && this.random() >= rule.match.share) continue;
      if (rule.action.kind === 'latency') {
        rule.hits += 1;
        decision.latencyMs += rule.action.ms;
        decision.firedRuleIds.push(rule.id);
        continue;
      }
      if (decision.terminal) continue;
      rule.hits += 1;
      decision.terminal = { rule, action: rule.action };
      decision.firedRuleIds.push(rule.id);
    }
    return decision;
  }

  /** One line per rule: what it matches, what it does, how often it fired. */
  explain(): string[] {
    return this.rules.map((r) => `${r.id}: ${explainMatch(r.match)} → ${explainAction(r.action)} (fired ${r.hits}${r.times === null ? '' : ` of ${r.times}`} times)`);
  }
}

function validate(data: FaultRuleData, checkReason: (reason: string, status?: number) => void): void {
  const a = data.action as FaultAction | undefined;
  if (!a || typeof a !== 'object') throw new FaultRuleError('a rule needs an action');
  switch (a.kind) {
    case 'error':
      if (typeof a.reason !== 'string') throw new FaultRuleError('an error action needs a reason');
      checkReason(a.reason, a.status);
      break;
    case 'latency':
      if (!(typeof a.ms === 'number' && a.ms >= 0 && a.ms <= 120_000)) throw new FaultRuleError('latency ms must be 0..120000');
      break;
    case 'reset':
    case 'goaway':
    case 'timeout':
      break;
    default:
      throw new FaultRuleError(`unknown action kind ${(a as { kind?: unknown }).kind}`);
  }
  const share = data.match?.share;
  if (share !== undefined && !(share > 0 && share <= 1)) throw new FaultRuleError('share must be in (0, 1]');
  if (data.times !== undefined && !(Number.isInteger(data.times) && data.times > 0)) throw new FaultRuleError('times must be a positive integer');
}

const explainMatch = (m: FaultMatch) => {
  const parts = [m.device && `device ${m.device}`, m.scope && `scope ${m.scope}`, m.share !== undefined && `${m.share * 100}% of traffic`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'every request';
};

const explainAction = (a: FaultAction) => {
  switch (a.kind) {
    case 'error':
      return `error ${a.reason}${a.status ? ` (${a.status})` : ''}${a.retryAfterSeconds !== undefined ? `, Retry-After ${a.retryAfterSeconds}s` : ''}`;
    case 'latency':
      return `+${a.ms} ms`;
    default:
      return a.kind;
  }
};

/** A small seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
