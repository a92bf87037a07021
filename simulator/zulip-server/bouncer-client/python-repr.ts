/**
 * Python's repr() for the few values Zulip formats into bouncer-related log lines with `%s`
 * on a list (`sorted(tokens)` → `['a', 'b']`, device ids → `[1, 2]`).
 */
function pyStrRepr(s: string): string {
  // Python prefers single quotes, switching to double quotes when the text has a ' but no ".
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return quote + out + quote;
}

export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return pyStrRepr(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return '[' + value.map(pyRepr).join(', ') + ']';
  return String(value);
}
