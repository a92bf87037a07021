/**
 * How the mock answers a push on its HTTP/2 stream: success is 200 with an empty body and
 * `apns-id` (+ `apns-unique-id` in development); a refusal is its status, `apns-id` and the JSON
 * `{"reason": …}` body (providers.md §A1 "Responses").
 */
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { rejectionBody, type ApnsRejection } from './reasons';

export interface Answer {
  status: number;
  rejection?: ApnsRejection;
  /** apns-unique-id (success, development environment). */
  uniqueId?: string;
  /** Retry-After seconds (an injected 429/503). */
  retryAfter?: number;
  /** What the device receives (success). */
  notification?: Record<string, unknown>;
  /** Journal facts about the request. */
  meta?: Record<string, unknown>;
}

export const refuse = (rejection: ApnsRejection, meta?: Record<string, unknown>): Answer => ({ status: rejection.status, rejection, meta });

const RESPOND_AND_END = { endStream: true };

export function respond(stream: ServerHttp2Stream, apnsId: string, a: Answer): void {
  if (stream.closed || stream.destroyed) return;
  if (!a.rejection) {
    const headers: OutgoingHttpHeaders = { ':status': a.status, 'apns-id': apnsId };
    if (a.uniqueId !== undefined) headers['apns-unique-id'] = a.uniqueId;
    stream.respond(headers, RESPOND_AND_END);
    return;
  }
  const headers: OutgoingHttpHeaders = { ':status': a.status, 'apns-id': apnsId, 'content-type': 'application/json' };
  if (a.retryAfter !== undefined) headers['retry-after'] = String(a.retryAfter);
  stream.respond(headers);
  stream.end(rejectionBody(a.rejection));
}
