/**
 * `hostname` check of `server/register` (bouncer-protocol.md §3.1 step 2), a port of Zulip's
 * `validate_hostname_or_raise_error` (zilencer/views.py):
 *
 *     parsed = urlsplit(f"http://{hostname}")
 *     if parsed.path or parsed.query or parsed.fragment: -> "... contains invalid components ..."
 *     URLValidator()("http://" + hostname)                -> "... is not a valid hostname"
 *
 * Fidelity means reproducing CPython 3.12 `urllib.parse.urlsplit`, `ipaddress` and the `idna`
 * codec, and Django 5.2 `URLValidator`, including their quirks: e.g. `example.com?` and
 * `user@example.com` are accepted (an empty query is falsy; URLValidator allows userinfo).
 * The Django host regexes are exported because Django's EmailValidator reuses them.
 */

/**
 * CPython's urlsplit raised ValueError (unbalanced or invalid `[...]`, NFKC-unsafe netloc).
 * Zulip only catches ValidationError, so the real bouncer answers HTTP 500 for these
 * hostnames; callers should map this to their 500 response rather than to a 400.
 */
export class UrlsplitValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlsplitValueError';
  }
}

// ---- Python string primitives -------------------------------------------------------------

/** Python's `str.isspace()` / `re` `\s` set (JS `\s` differs: it has U+FEFF, lacks \x1c-\x1f, \x85). */
export const PY_WS =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RE = new RegExp(`[${PY_WS}]`, 'u');
export const isPyWhitespace = (ch: string): boolean => PY_WS_RE.test(ch);

/** Python `len()`: code points, not UTF-16 units. */
export const pyLen = (s: string): number => [...s].length;

const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

// ---- ipaddress (CPython 3.12) -------------------------------------------------------------

/** `ipaddress.IPv4Address(s)`: four ASCII decimal octets, no leading zeros, each <= 255. */
export function pyIsIpv4(s: string): boolean {
  const octets = s.split('.');
  return (
    octets.length === 4 &&
    octets.every((o) => /^[0-9]{1,3}$/.test(o) && !(o.length > 1 && o[0] === '0') && Number(o) <= 255)
  );
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** `ipaddress.IPv6Address(s)` (`_split_scope_id` + `_ip_int_from_string`). */
export function pyIsIpv6(input: string): boolean {
  if (input.includes('/')) return false;
  // A "%zone" suffix is legal for IPv6Address; an empty zone or a second '%' is not.
  const pct = input.indexOf('%');
  let s = input;
  if (pct >= 0) {
    const zone = input.slice(pct + 1);
    if (!zone || zone.includes('%')) return false;
    s = input.slice(0, pct);
  }
  if (!s || pyLen(s) > 45) return false;
  const parts = s.split(':');
  if (parts.length < 3) return false;
  const last = parts[parts.length - 1] ?? '';
  if (last.includes('.')) {
    if (!pyIsIpv4(last)) return false;
    parts.splice(parts.length - 1, 1, '0', '0'); // two hextets stand in for the dotted quad
  }
  if (parts.length > 9) return false;
  let skip = -1;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] === '') {
      if (skip >= 0) return false; // more than one '::'
      skip = i;
    }
  }
  let hi: string[];
  let lo: string[];
  if (skip >= 0) {
    hi = parts.slice(0, skip);
    lo = parts.slice(skip + 1);
    if (hi[0] === '') {
      hi = hi.slice(1);
      if (hi.length) return false; // leading ':' only as part of '::'
    }
    if (lo[lo.length - 1] === '') {
      lo = lo.slice(0, -1);
      if (lo.length) return false; // trailing ':' only as part of '::'
    }
    if (8 - (hi.length + lo.length) < 1) return false;
  } else {
    if (parts.length !== 8) return false;
    hi = parts;
    lo = [];
  }
  return [...hi, ...lo].every((h) => HEXTET.test(h));
}

/** `django.utils.ipv6.is_valid_ipv6_address`: IPv6Address after a 39-character DoS cap. */
export const djangoIsIpv6 = (s: string): boolean => pyLen(s) <= 39 && pyIsIpv6(s);

/** `django.core.validators.validate_ipv46_address`. */
export const djangoIsIpv46 = (s: string): boolean => pyIsIpv4(s) || djangoIsIpv6(s);

// ---- urllib.parse (CPython 3.12) ----------------------------------------------------------

export interface SplitResult {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

/** `_check_bracketed_netloc` + `_check_bracketed_host` (CPython >= 3.11.4). */
function checkBracketedNetloc(netloc: string): void {
  const hostAndPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const open = hostAndPort.indexOf('[');
  let host: string;
  if (open >= 0) {
    if (open > 0) throw new UrlsplitValueError('Invalid IPv6 URL');
    const bracketed = hostAndPort.slice(open + 1);
    const close = bracketed.indexOf(']');
    host = close >= 0 ? bracketed.slice(0, close) : bracketed;
    const port = close >= 0 ? bracketed.slice(close + 1) : '';
    if (port && !port.startsWith(':')) throw new UrlsplitValueError('Invalid IPv6 URL');
  } else {
    const colon = hostAndPort.indexOf(':');
    host = colon >= 0 ? hostAndPort.slice(0, colon) : hostAndPort;
  }
  if (host.startsWith('v')) {
    if (!/^v[a-fA-F0-9]+\.[^\n]+$/u.test(host)) {
      throw new UrlsplitValueError('IPvFuture address is invalid');
    }
  } else if (pyIsIpv4(host)) {
    throw new UrlsplitValueError('An IPv4 address cannot be in brackets');
  } else if (!pyIsIpv6(host)) {
    throw new UrlsplitValueError(`${host} does not appear to be an IPv4 or IPv6 address`);
  }
}

/** `_checknetloc`: refuse netlocs whose NFKC form smuggles in URL delimiters (e.g. U+2100). */
function checkNetlocNfkc(netloc: string): void {
  if (!netloc || isAscii(netloc)) return;
  const n = netloc.replace(/[@:#?]/g, '');
  const nfkc = n.normalize('NFKC');
  if (n !== nfkc && /[/?#@:]/.test(nfkc)) {
    throw new UrlsplitValueError(`netloc '${netloc}' contains invalid characters under NFKC normalization`);
  }
}

/** `urllib.parse.urlsplit(url)` with default arguments. Throws UrlsplitValueError. */
export function pyUrlsplit(input: string): SplitResult {
  // WHATWG-style cleanup CPython applies before parsing.
  let url = input.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const i = url.indexOf(':');
  if (i > 0 && /^[A-Za-z]/.test(url) && /^[A-Za-z0-9+\-.]+$/.test(url.slice(0, i))) {
    scheme = url.slice(0, i).toLowerCase();
    url = url.slice(i + 1);
  }
  if (url.startsWith('//')) {
    let delim = url.length;
    for (const c of '/?#') {
      const w = url.indexOf(c, 2);
      if (w >= 0) delim = Math.min(delim, w);
    }
    netloc = url.slice(2, delim);
    url = url.slice(delim);
    const hasOpen = netloc.includes('[');
    const hasClose = netloc.includes(']');
    if (hasOpen !== hasClose) throw new UrlsplitValueError('Invalid IPv6 URL');
    if (hasOpen && hasClose) checkBracketedNetloc(netloc);
  }
  const hash = url.indexOf('#');
  if (hash >= 0) [url, fragment] = [url.slice(0, hash), url.slice(hash + 1)];
  const q = url.indexOf('?');
  if (q >= 0) [url, query] = [url.slice(0, q), url.slice(q + 1)];
  checkNetlocNfkc(netloc);
  return { scheme, netloc, path: url, query, fragment };
}

/** `SplitResult.hostname` (via `_hostinfo`): None when empty; lower-cased except the IPv6 zone. */
function pyHostname(netloc: string): string | null {
  const hostinfo = netloc.slice(netloc.lastIndexOf('@') + 1);
  let host: string;
  const open = hostinfo.indexOf('[');
  if (open >= 0) {
    const bracketed = hostinfo.slice(open + 1);
    const close = bracketed.indexOf(']');
    host = close >= 0 ? bracketed.slice(0, close) : bracketed;
  } else {
    const colon = hostinfo.indexOf(':');
    host = colon >= 0 ? hostinfo.slice(0, colon) : hostinfo;
  }
  if (!host) return null;
  const pct = host.indexOf('%');
  return pct >= 0 ? host.slice(0, pct).toLowerCase() + host.slice(pct) : host.toLowerCase();
}

/** `urlunsplit` for the shapes URLValidator rebuilds (scheme and netloc always present). */
const pyUrlunsplit = (p: SplitResult): string =>
  `${p.scheme}://${p.netloc}${p.path && !p.path.startsWith('/') ? '/' : ''}${p.path}` +
  `${p.query ? `?${p.query}` : ''}${p.fragment ? `#${p.fragment}` : ''}`;

// ---- encodings.idna (IDNA 2003 ToASCII, used by django.utils.encoding.punycode) ------------

export class IdnaError extends Error {}

/** RFC 3492 encoder; CPython's `punycode` codec produces the same output. */
function punycodeEncode(label: string): string {
  const cps = [...label].map((c) => c.codePointAt(0) as number);
  const digit = (d: number): string => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
  const adapt = (delta: number, numPoints: number, first: boolean): number => {
    let d = first ? Math.floor(delta / 700) : delta >> 1;
    d += Math.floor(d / numPoints);
    let k = 0;
    for (; d > 455; k += 36) d = Math.floor(d / 35);
    return k + Math.floor((36 * d) / (d + 38));
  };
  const basic = cps.filter((c) => c < 0x80);
  let out = String.fromCodePoint(...basic);
  const b = basic.length;
  if (b > 0) out += '-';
  let n = 128;
  let delta = 0;
  let bias = 72;
  let h = b;
  while (h < cps.length) {
    const m = Math.min(...cps.filter((c) => c >= n));
    delta += (m - n) * (h + 1);
    n = m;
    for (const c of cps) {
      if (c < n) delta++;
      if (c !== n) continue;
      let q = delta;
      for (let k = 36; ; k += 36) {
        const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
        if (q < t) break;
        out += digit(t + ((q - t) % (36 - t)));
        q = Math.floor((q - t) / (36 - t));
      }
      out += digit(q);
      bias = adapt(delta, h + 1, h === b);
      delta = 0;
      h++;
    }
    delta++;
    n++;
  }
  return out;
}

// RFC 3454 tables used by CPython's nameprep (stringprep module).
const B1_MAP_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/gu;
const B3_EXCEPTIONS: Record<string, string> = {
  '\u00df': 'ss', '\u0130': 'i\u0307', '\u0149': '\u02bcn', '\u017f': 's', '\u01f0': 'j\u030c',
  '\u0345': '\u03b9', '\u037a': ' \u03b9', '\u0390': '\u03b9\u0308\u0301', '\u03b0': '\u03c5\u0308\u0301',
  '\u03c2': '\u03c3', '\u03d0': '\u03b2', '\u03d1': '\u03b8', '\u03d2': '\u03c5', '\u03d3': '\u03cd',
  '\u03d4': '\u03cb', '\u03d5': '\u03c6', '\u03d6': '\u03c0', '\u03f0': '\u03ba', '\u03f1': '\u03c1',
  '\u03f2': '\u03c3', '\u03f5': '\u03b5', '\u0587': '\u0565\u0582', '\u1e96': 'h\u0331',
  '\u1e97': 't\u0308', '\u1e98': 'w\u030a', '\u1e99': 'y\u030a', '\u1e9a': 'a\u02be', '\u1e9b': '\u1e61',
  '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': 'st',
  '\ufb06': 'st',
};
const PROHIBITED = new RegExp(
  [
    '[\\u00a0\\u1680\\u2000-\\u200b\\u202f\\u205f\\u3000', // C.1.2 non-ASCII space
    '\\u0080-\\u009f\\u06dd\\u070f\\u180e\\u200c\\u200d\\u2028\\u2029\\u2060-\\u2063\\u206a-\\u206f', // C.2.2
    '\\ufeff\\ufff9-\\ufffc\\u{1d173}-\\u{1d17a}',
    '\\ue000-\\uf8ff\\u{f0000}-\\u{ffffd}\\u{100000}-\\u{10fffd}', // C.3 private use
    '\\ufdd0-\\ufdef\\ud800-\\udfff\\ufff9-\\ufffd\\u2ff0-\\u2ffb', // C.4 (BMP), C.5, C.6, C.7
    '\\u0340\\u0341\\u200e\\u200f\\u202a-\\u202e\\u{e0001}\\u{e0020}-\\u{e007f}]', // C.8, C.9
  ].join(''),
  'u',
);
// Table D.1 (RandALCat) of RFC 3454, i.e. bidi R/AL as of Unicode 3.2.
const RAND_AL = new RegExp(
  '[\\u05be\\u05c0\\u05c3\\u05d0-\\u05ea\\u05f0-\\u05f4\\u061b\\u061f\\u0621-\\u063a\\u0640-\\u064a' +
    '\\u066d-\\u066f\\u0671-\\u06d5\\u06dd\\u06e5\\u06e6\\u06fa-\\u06fe\\u0700-\\u070d\\u0710' +
    '\\u0712-\\u072c\\u0780-\\u07a5\\u07b1\\u200f\\ufb1d\\ufb1f-\\ufb28\\ufb2a-\\ufb36\\ufb38-\\ufb3c' +
    '\\ufb3e\\ufb40\\ufb41\\ufb43\\ufb44\\ufb46-\\ufbb1\\ufbd3-\\ufd3d\\ufd50-\\ufd8f\\ufd92-\\ufdc7' +
    '\\ufdf0-\\ufdfc\\ufe70-\\ufe74\\ufe76-\\ufefc]',
  'u',
);
// Table D.2 (LCat) is huge; letters/spacing marks outside D.1 approximate bidi class L.
const isLCat = (ch: string): boolean => /[\p{L}\p{Mc}\p{Nl}]/u.test(ch) && !RAND_AL.test(ch);

const foldB3 = (ch: string): string => B3_EXCEPTIONS[ch] ?? ch.toLowerCase();
/** stringprep `map_table_b2`: case folding closed under NFKC. */
function mapB2(ch: string): string {
  const al = foldB3(ch);
  const b = al.normalize('NFKC');
  const c = [...b].map(foldB3).join('').normalize('NFKC');
  return b !== c ? c : al;
}

/** CPython `encodings.idna.nameprep` (which, like RFC 3491 AllowUnassigned, skips table A.1). */
function nameprep(label: string): string {
  const mapped = [...label.replace(B1_MAP_TO_NOTHING, '')].map(mapB2).join('').normalize('NFKC');
  const chars = [...mapped];
  if (chars.some((c) => PROHIBITED.test(c) || (c.codePointAt(0) as number) % 0x10000 >= 0xfffe)) {
    throw new IdnaError('Invalid character');
  }
  if (chars.some((c) => RAND_AL.test(c))) {
    if (chars.some(isLCat)) throw new IdnaError('Violation of BIDI requirement 2');
    if (!RAND_AL.test(chars[0] ?? '') || !RAND_AL.test(chars[chars.length - 1] ?? '')) {
      throw new IdnaError('Violation of BIDI requirement 3');
    }
  }
  return mapped;
}

const checkedLabel = (label: string): string => {
  if (label.length > 0 && label.length < 64) return label;
  throw new IdnaError('label empty or too long');
};

/** CPython `encodings.idna.ToASCII`. */
function toAscii(label: string): string {
  if (isAscii(label)) return checkedLabel(label);
  const prepped = nameprep(label);
  if (isAscii(prepped)) return checkedLabel(prepped);
  if (prepped.startsWith('xn--')) throw new IdnaError('Label starts with ACE prefix');
  return checkedLabel(`xn--${punycodeEncode(prepped)}`);
}

/** `s.encode("idna").decode("ascii")` (Django's `punycode()`); throws IdnaError (UnicodeError). */
export function pyIdnaEncode(s: string): string {
  if (!s) return '';
  if (isAscii(s)) {
    // ASCII fast path: only label lengths are checked, case and characters are untouched.
    const labels = s.split('.');
    labels.slice(0, -1).forEach(checkedLabel);
    if ((labels[labels.length - 1] ?? '').length >= 64) throw new IdnaError('label too long');
    return s;
  }
  const labels = s.split(/[.\u3002\uff0e\uff61]/);
  const trailingDot = labels.length > 0 && labels[labels.length - 1] === '' ? '.' : '';
  if (trailingDot) labels.pop();
  return labels.map(toAscii).join('.') + trailingDot;
}

// ---- django.core.validators.URLValidator (Django 5.2) --------------------------------------

// Python's re.IGNORECASE also folds U+0130 (İ) and U+0131 (ı) onto "i"; JS's /iu does not, so
// they are added to ASCII-letter classes that lack the Unicode range below.
export const PY_I_FOLDS = '\\u0130\\u0131';
const UL = '\\u00a1-\\uffff'; // Django's "Unicode letters range"
const IPV4_RE =
  '(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)(?:\\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}';
const IPV6_RE = '\\[[0-9a-f:.]+\\]'; // simple regex, validated later
/** `DomainNameValidator.hostname_re` */
export const HOSTNAME_RE = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`;
/** `DomainNameValidator.domain_re` */
export const DOMAIN_RE = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`;
/** `DomainNameValidator.tld_no_fqdn_re` */
export const TLD_NO_FQDN_RE = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9${PY_I_FOLDS}]{1,59})(?<!-)`;
const HOST_RE = `(?:${HOSTNAME_RE}${DOMAIN_RE}${TLD_NO_FQDN_RE}\\.?|localhost)`;
const URL_RE = new RegExp(
  '^(?:[a-z0-9.+-]*)://' + // scheme is validated separately
    `(?:[^${PY_WS}:@/]+(?::[^${PY_WS}:@/]*)?@)?` + // user:pass authentication
    `(?:${IPV4_RE}|${IPV6_RE}|${HOST_RE})` +
    '(?::[0-9]{1,5})?' + // port
    `(?:[/?#][^${PY_WS}]*)?` + // resource path
    '$',
  'iu',
);

/** `URLValidator()(value)` with the default schemes; true when no ValidationError. */
export function djangoUrlValid(value: string): boolean {
  if (pyLen(value) > 2048 || /[\t\r\n]/.test(value)) return false;
  const scheme = (value.split('://')[0] ?? '').toLowerCase();
  if (!['http', 'https', 'ftp', 'ftps'].includes(scheme)) return false;
  let split: SplitResult;
  try {
    split = pyUrlsplit(value);
  } catch {
    return false;
  }
  if (URL_RE.test(value)) {
    const hostMatch = /^\[(.+)\](?::[0-9]{1,5})?$/su.exec(split.netloc);
    if (hostMatch && !djangoIsIpv6(hostMatch[1] ?? '')) return false;
  } else {
    // "Trivial case failed. Try for possible IDN domain": only non-ASCII netlocs can change.
    let netloc: string;
    try {
      netloc = pyIdnaEncode(split.netloc);
    } catch {
      return false;
    }
    if (!URL_RE.test(pyUrlunsplit({ ...split, netloc }))) return false;
  }
  const hostname = pyHostname(split.netloc);
  return hostname !== null && pyLen(hostname) <= 253;
}

// ---- zilencer/views.py -----------------------------------------------------------------------

/**
 * Zulip's exact error message for a `hostname` form value, or null when it is accepted.
 * Throws UrlsplitValueError where Zulip itself crashes (HTTP 500), e.g. for `[::1` or `[1.2.3.4]`.
 */
export function hostnameError(hostname: string): string | null {
  const url = `http://${hostname}`;
  const parsed = pyUrlsplit(url);
  if (parsed.path || parsed.query || parsed.fragment) {
    return `${hostname} contains invalid components (e.g., path, query, fragment).`;
  }
  return djangoUrlValid(url) ? null : `${hostname} is not a valid hostname`;
}
