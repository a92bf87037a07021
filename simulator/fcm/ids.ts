/**
 * The identifiers FCM hands out, drawn from seeded generators so a run replays exactly:
 * registration tokens (what a phone gets from FirebaseMessaging.getToken()) and message ids.
 * Access tokens are secrets and never come from here (see access-tokens.ts).
 */
import { mulberry32 } from '../core/provider-mock/faults';

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Today's tokens: an installation id (22 url-safe chars), ":APA91b", then 134 url-safe chars —
 * 163 characters. Real tokens vary, so the mock never refuses a token for its shape alone: an
 * unknown token of any shape is "not a valid FCM registration token".
 */
export const REGISTRATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}:APA91b[A-Za-z0-9_-]{134}$/;

export class IdGenerator {
  private readonly tokenRandom: () => number;
  private readonly idRandom: () => number;
  private counter = 0;

  constructor(seed: number) {
    // Two streams, so creating a device never shifts the message ids of a replayed run.
    this.tokenRandom = mulberry32(seed ^ 0x70c3e5);
    this.idRandom = mulberry32(seed ^ 0x1d5a7e);
  }

  registrationToken(): string {
    return `${this.chars(22)}:APA91b${this.chars(134)}`;
  }

  /**
   * `0:<microseconds>%<16 hex>`, the shape of real ids (e.g. `0:1500415314455276%31bd1c9631bd1c96`):
   * the clock's milliseconds plus a 3-digit counter keep ids unique within one millisecond.
   */
  messageId(nowMs: number): string {
    const micros = `${Math.floor(nowMs)}${String(this.counter++ % 1000).padStart(3, '0')}`;
    let hex = '';
    for (let i = 0; i < 16; i++) hex += Math.floor(this.idRandom() * 16).toString(16);
    return `0:${micros}%${hex}`;
  }

  private chars(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += URL_SAFE[Math.floor(this.tokenRandom() * URL_SAFE.length)];
    return out;
  }
}
