/**
 * Zulip's JSON error envelope (zerver/lib/exceptions.py, bouncer-protocol.md §1.3):
 *   {"result": "error", "msg": <text>, "code": <CODE>, ...data fields}
 * with the status of the error class (400 and BAD_REQUEST unless the class says otherwise).
 * Every protocol error the simulators raise is a JsonableError; routes never build envelopes.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export class JsonableError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra top-level fields of the envelope, in order (e.g. `role`, `retry-after`). */
  readonly data: Record<string, unknown>;
  /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;
  /** The tag Zulip's access log appends for this failure, e.g. `[invalid-server]`. */
  readonly logExtra?: string;

  constructor(
    msg: string,
    opts: {
      status?: number;
      code?: string;
      data?: Record<string, unknown>;
      headers?: Record<string, string>;
      logExtra?: string;
    } = {},
  ) {
    super(msg);
    this.name = 'JsonableError';
    this.status = opts.status ?? 400;
    this.code = opts.code ?? 'BAD_REQUEST';
    this.data = opts.data ?? {};
    this.headers = opts.headers ?? {};
    this.logExtra = opts.logExtra;
  }

  toJSON(): Record<string, unknown> {
    return { result: 'error', msg: this.message, code: this.code, ...this.data };
  }
}

export const isJsonableError = (e: unknown): e is JsonableError => e instanceof JsonableError;

/** Zulip's success envelope: {"result": "success", "msg": "", ...data}. */
export function jsonSuccess(data: Record<string, unknown> = {}): Record<string, unknown> {
  return { result: 'success', msg: '', ...data };
}

/**
 * Fastify's `clientErrorHandler` for the Zulip-style servers (bouncer, fake Zulip server):
 * requests Node's HTTP parser refuses before any route runs — headers or URL over Node's 16 KiB
 * limit, a malformed request line — still get Zulip's envelope instead of fastify's own
 * `{"error","message","statusCode"}` shape. Status as fastify would send it (431, 408, else 400).
 */
export function zulipClientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, msg] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request header fields too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request timeout']
        : [400, 'Malformed request'];
  const body = JSON.stringify(new JsonableError(msg, { status }).toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
