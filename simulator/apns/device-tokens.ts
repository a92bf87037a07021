/**
 * APNs device tokens: hex strings. Apple warns they are variable-length and may grow, while
 * Pushy's mock insists on exactly 64 hex characters (providers.md §A1 "Request"); we default to
 * 64 and let a run widen the range. Lookups are case-insensitive, so tokens are kept lower-case.
 */
import crypto from 'node:crypto';

export interface TokenHexLength {
  min: number;
  max: number;
}

export const DEFAULT_TOKEN_HEX_LENGTH: TokenHexLength = { min: 64, max: 64 };

export const normalizeDeviceToken = (token: string) => token.toLowerCase();

const HEX = /^[0-9a-fA-F]+$/;

export function isWellFormedDeviceToken(token: string, length: TokenHexLength): boolean {
  return token.length >= length.min && token.length <= length.max && HEX.test(token);
}

/**
 * Makes tokens the way a phone receives them: random, or — with a seed — the same sequence on
 * every run, so a failing scenario replays with the same tokens.
 */
export class DeviceTokenGenerator {
  private counter = 0;

  constructor(
    private readonly hexLength: number,
    private readonly seed?: number | string,
  ) {}

  next(): string {
    const bytes = Math.ceil(this.hexLength / 2);
    const n = ++this.counter;
    if (this.seed === undefined) return crypto.randomBytes(bytes).toString('hex').slice(0, this.hexLength);
    let out = '';
    for (let block = 0; out.length < this.hexLength; block++) {
      out += crypto.createHash('sha256').update(`apns-device-token:${this.seed}:${n}:${block}`).digest('hex');
    }
    return out.slice(0, this.hexLength);
  }
}
