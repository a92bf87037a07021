/**
 * Zulip's JSON error envelope (zerver/lib/exceptions.py, bouncer-protocol.md §1.3):
 *   {"result": "error", "msg": <text>, "code": <CODE>, ...data fields}
 * with the status of the error class (400 and BAD_REQUEST unless the class says otherwise).
 * Every protocol error the simulators raise is a JsonableError; routes never build envelopes.
 */
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
