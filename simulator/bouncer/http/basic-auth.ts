/**
 * zerver/decorator.py get_basic_credentials, including Python's quirks (§2 step 1):
 * `header.split()` must give exactly two words, `base64.b64decode` is lenient about stray
 * characters but strict about padding, the result must be UTF-8, and `split(":")` must give
 * exactly two parts (so a key containing ":" is refused).
 */
import { basicAuthRequired, invalidAuthHeader, missingAuthHeader } from '../errors';

export interface BasicCredentials {
  role: string;
  apiKey: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials {
  if (header === undefined) throw missingAuthHeader();
  const words = header.split(/[\s\u001c-\u001f\u0085]+/u).filter((w) => w !== '');
  if (words.length !== 2) throw invalidAuthHeader();
  const [scheme, credentials] = words as [string, string];
  if (scheme.toLowerCase() !== 'basic') throw basicAuthRequired();
  const decoded = pythonB64decode(credentials);
  if (decoded === null) throw invalidAuthHeader();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(decoded);
  } catch {
    throw invalidAuthHeader();
  }
  const parts = text.split(':');
  if (parts.length !== 2) throw invalidAuthHeader();
  return { role: parts[0]!, apiKey: parts[1]! };
}

/**
 * binascii.a2b_base64 in non-strict mode: characters outside the alphabet are discarded; the
 * data must be correctly padded. Returns null where Python raises binascii.Error.
 */
export function pythonB64decode(s: string): Buffer | null {
  const filtered = s.replace(/[^A-Za-z0-9+/=]/g, '');
  const firstPad = filtered.indexOf('=');
  const data = firstPad === -1 ? filtered : filtered.slice(0, firstPad);
  const padding = firstPad === -1 ? 0 : filtered.length - firstPad;
  const rem = data.length % 4;
  if (rem === 1) return null;
  if (rem === 2 && padding < 2) return null;
  if (rem === 3 && padding < 1) return null;
  return Buffer.from(data, 'base64');
}
