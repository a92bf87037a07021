/**
 * Canaries: unique, seeded tokens planted in every generated message body so a privacy scan
 * can search every sink for them byte for byte. Letters and digits only, so URL-encoding and
 * JSON-escaping leave them intact, and long enough never to occur by chance.
 *
 *   zpgc<seed>q<sequence>q<8 hex>    e.g. zpgc42q7q9f3a01bc
 */
import crypto from 'node:crypto';

export const CANARY_PATTERN = /zpgc\d+q\d+q[0-9a-f]{8}/g;

export function makeCanary(seed: number, sequence: number): string {
  const tag = crypto.createHash('sha256').update(`canary:${seed}:${sequence}`).digest('hex').slice(0, 8);
  return `zpgc${seed}q${sequence}q${tag}`;
}

/** Every canary in `text`, in order. */
export const findCanaries = (text: string): string[] => text.match(CANARY_PATTERN) ?? [];
