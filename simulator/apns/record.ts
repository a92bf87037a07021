/**
 * What each request leaves behind: exactly one journal entry (headers with the bearer token
 * redacted, the body, the outcome, what the device receives) and exactly one log line (never the
 * payload, never the token).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Logger } from '../core/logging';
import type { FaultDecision } from '../core/provider-mock/faults';
import type { Journal, JournalOutcome, NewJournalEntry } from '../core/provider-mock/journal';
import { bearerToken } from './provider-token';
import { deviceOfPath, header, type PushRequest } from './validate';

/** A request as read: what the journal keeps and the checks look at. */
export interface RequestFacts extends PushRequest {
  body: Buffer;
  /** Lower-case token from the path, when there is one. */
  device: string | null;
  /** apns-topic. */
  scope: string | null;
  /** Echoed or generated. */
  apnsId: string;
  meta: Record<string, unknown>;
}

export const NO_ANSWER: Readonly<JournalOutcome> = { accepted: false, status: 0, reason: null, responseBody: '' };

export class Recorder {
  constructor(
    private readonly journal: Journal,
    private readonly log: Logger,
  ) {}

  record(e: RequestFacts, outcome: JournalOutcome, decision: FaultDecision, meta: Record<string, unknown>, notification?: Record<string, unknown>): void {
    if (decision.terminal) outcome.faultRuleId = decision.terminal.rule.id;
    if (decision.latencyMs > 0) outcome.addedLatencyMs = decision.latencyMs;
    if (decision.firedRuleIds.length > 0) meta.faultRulesFired = decision.firedRuleIds;
    const entry: NewJournalEntry = {
      provider: 'apns',
      device: e.device,
      scope: e.scope,
      id: e.apnsId,
      request: { method: e.method, path: e.path, httpVersion: '2.0', headers: journalHeaders(e.headers), body: e.body.toString('utf8') },
      outcome,
      meta,
    };
    if (notification) entry.notification = notification;
    this.journal.record(entry);
    this.logLine(e, outcome, meta);
  }

  /** HTTP/1.1 to the push path (refused: APNs is HTTP/2 only). */
  recordHttp1(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer, status: number, responseBody: string): void {
    const facts = { device: deviceOfPath(path), scope: header(headers, 'apns-topic') ?? null, apnsId: null };
    const outcome: JournalOutcome = { accepted: false, status, reason: null, responseBody };
    const meta = { httpVersion: '1.1' };
    this.journal.record({
      provider: 'apns',
      ...facts,
      id: null,
      request: { method, path, httpVersion: '1.1', headers: journalHeaders(headers), body: body.toString('utf8') },
      outcome,
      meta,
    });
    this.logLine(facts, outcome, meta);
  }

  /**
   * One line per request, in a fixed grammar scenarios can match exactly:
   *   `APNs: <status> <reason|Success> for device <token> topic <topic> apns-id <id>[ (<why>)]`
   *   `APNs: no answer (<reset|goaway|timeout|client cancelled>) for device … topic … apns-id …`
   * The facts are in the message rather than in fields: each structured field costs the shared
   * logger's redaction pass, and this line is written for every push of a load test.
   */
  private logLine(e: { device: string | null; scope: string | null; apnsId: string | null }, outcome: JournalOutcome, meta: Record<string, unknown>): void {
    const what = outcome.status === 0 ? `no answer (${String(meta.fault ?? 'client cancelled')})` : `${outcome.status} ${outcome.reason ?? 'Success'}`;
    const why = typeof meta.detail === 'string' ? ` (${meta.detail})` : '';
    this.log.info(`APNs: ${what} for device ${e.device ?? '(none)'} topic ${e.scope ?? '(none)'} apns-id ${e.apnsId ?? '(none)'}${why}`);
  }
}

/** Header names lower-cased, repeated ones joined; the bearer token never stored. */
export function journalHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = header(headers, name);
    if (value === undefined) continue;
    out[name] = name === 'authorization' ? (bearerToken(value) !== null ? 'bearer [REDACTED]' : '[REDACTED]') : value;
  }
  return out;
}
