/**
 * Python's str() of a JSON value, as Zulip's FCM sender renders non-string data values
 * (bouncer-protocol.md §7.1: `123` → "123", `True`, `None`, `[1, 2]`, `{'a': 'b'}`).
 *
 * Known limit: JSON.parse loses two things Python keeps — `1.0` vs `1` (Python: float "1.0",
 * here "1") and the order of integer-like object keys (JS puts them first). Zulip's payloads
 * carry neither.
 */
export function pythonStr(v: unknown): string {
  return typeof v === 'string' ? v : pythonRepr(v);
}

export function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : pythonFloatRepr(v);
  if (typeof v === 'string') return pythonStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pythonStrRepr(k)}: ${pythonRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** float.__repr__: shortest round-trip digits; fixed notation for 1e-4 <= |x| < 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp >= -4 && exp < 16) {
    let fixed: string;
    if (exp < 0) fixed = `0.${'0'.repeat(-exp - 1)}${digits}`;
    else if (digits.length <= exp + 1) fixed = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    else fixed = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    return sign + fixed;
  }
  const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
  return `${sign}${frac}e${exp < 0 ? '-' : '+'}${e}`;
}

/** str.__repr__: single quotes unless the text has ' and no ", escapes for the unprintable. */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out + quote;
}

function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}
