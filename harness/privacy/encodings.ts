/**
 * The forms a value can take on its way into a sink. A leak is rarely the value's raw bytes
 * alone: a log line JSON-escapes it, a journal keeps a JSON body inside JSON (escaped twice),
 * a form body URL-encodes it, an Authorization header or a careless "encryption" base64s it,
 * a debug dump hexes it. Every form here is searched for, byte for byte.
 *
 * Base64 at every alignment: whatever the value's offset inside the encoded text, the base64
 * of the value's bytes from the next 3-byte boundary on (whole groups only) appears verbatim in
 * the encoding, so the three variants (skip 0, 1 or 2 leading bytes) cover every position.
 */

export type EncodingName =
  | 'raw'
  | 'json-escaped'
  | 'json-unicode'
  | 'json-escaped-2x'
  | 'url-form'
  | 'url-percent'
  | 'base64'
  | 'base64url'
  | 'hex'
  | 'hex-upper';

export const ALL_ENCODINGS: readonly EncodingName[] = [
  'raw',
  'json-escaped',
  'json-unicode',
  'json-escaped-2x',
  'url-form',
  'url-percent',
  'base64',
  'base64url',
  'hex',
  'hex-upper',
];

/** Text encodings only (no base64/hex): for values that are themselves base64, such as PEM lines. */
export const TEXT_ENCODINGS: readonly EncodingName[] = ['raw', 'json-escaped', 'json-unicode', 'json-escaped-2x', 'url-form', 'url-percent'];

export interface EncodedForm {
  encoding: EncodingName;
  /** For base64 forms: how many leading bytes of the value were skipped (0, 1 or 2). */
  skip?: number;
  bytes: Buffer;
}

/** A base64 needle shorter than this (characters) is not searched: it would match by chance. */
export const MIN_BASE64_CHARS = 8;
/** Nor a hex needle shorter than this. */
export const MIN_HEX_CHARS = 12;

/** JSON string body (no quotes), as JSON.stringify writes it. */
export const jsonEscape = (s: string): string => JSON.stringify(s).slice(1, -1);

/** JSON string body with every non-ASCII character as \uXXXX (Python's json.dumps default). */
export const jsonUnicodeEscape = (s: string): string =>
  jsonEscape(s).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** application/x-www-form-urlencoded (space as +), as URLSearchParams and Python's urlencode write it. */
export const formEncode = (s: string): string => new URLSearchParams({ v: s }).toString().slice(2);

/** Percent-encoding of a URL component (space as %20). */
export const percentEncode = (s: string): string => encodeURIComponent(s);

/**
 * Every distinct form of `value` in `encodings` (identical byte strings are kept once, under the
 * first encoding that produced them). A Buffer value is binary: only raw, base64 and hex apply.
 */
export function encodedForms(value: string | Buffer, encodings: readonly EncodingName[] = ALL_ENCODINGS): EncodedForm[] {
  const out: EncodedForm[] = [];
  const seen = new Set<string>();
  const add = (encoding: EncodingName, bytes: Buffer, skip?: number) => {
    if (bytes.length === 0) return;
    const key = bytes.toString('latin1');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(skip === undefined ? { encoding, bytes } : { encoding, skip, bytes });
  };
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const text = typeof value === 'string' ? value : null;
  for (const e of encodings) {
    switch (e) {
      case 'raw':
        add(e, bytes);
        break;
      case 'json-escaped':
        if (text !== null) add(e, Buffer.from(jsonEscape(text)));
        break;
      case 'json-unicode':
        if (text !== null) add(e, Buffer.from(jsonUnicodeEscape(text)));
        break;
      case 'json-escaped-2x':
        if (text !== null) {
          add(e, Buffer.from(jsonEscape(jsonEscape(text))));
          add(e, Buffer.from(jsonEscape(jsonUnicodeEscape(text))));
        }
        break;
      case 'url-form':
        if (text !== null) add(e, Buffer.from(formEncode(text)));
        break;
      case 'url-percent':
        if (text !== null) add(e, Buffer.from(percentEncode(text)));
        break;
      case 'base64':
      case 'base64url':
        for (let skip = 0; skip < 3; skip++) {
          const whole = Math.floor((bytes.length - skip) / 3) * 3;
          if (whole <= 0) continue;
          const b64 = bytes.subarray(skip, skip + whole).toString(e);
          if (b64.length >= MIN_BASE64_CHARS) add(e, Buffer.from(b64), skip);
        }
        break;
      case 'hex':
      case 'hex-upper': {
        const hex = bytes.toString('hex');
        if (hex.length >= MIN_HEX_CHARS) add(e, Buffer.from(e === 'hex' ? hex : hex.toUpperCase()));
        break;
      }
    }
  }
  return out;
}
