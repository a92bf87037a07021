/**
 * `contact_email` check of `server/register` (bouncer-protocol.md §3.1 step 3), ported from
 * zilencer/views.py `register_remote_server`, in Zulip's order: Django `validate_email`,
 * `validate_is_not_disposable`, the example.com ban, then DNS (MX, else A/AAAA/NS).
 *
 * Wording: the NEWER (2025+) Zulip raises ServerAdminEmailError, whose message is
 * "Invalid server administrator email address: <reason>" (the reason is also sent as
 * `email_reason`). Older releases used the bare reason, and "Invalid email address." for
 * example.com; §3.1 lists both. Only the newer wording is produced here.
 */
import disposableDomains from 'disposable-email-domains';
import type { DnsResolver } from './dns';
import { DOMAIN_RE, HOSTNAME_RE, PY_I_FOLDS, PY_WS, TLD_NO_FQDN_RE, djangoIsIpv46, pyLen } from './hostname';

export interface EmailCheckFailure {
  msg: string;
  /** The inner message, e.g. "Please use your real email address." */
  reason: string;
}

// ---- django.core.validators.EmailValidator (Django 5.2) -------------------------------------

// re.IGNORECASE: JS /iu already folds U+017F and U+212A onto s/k like Python; İ and ı are added.
const ATEXT = "-!#$%&'*+/=?^_`{}|~0-9A-Z" + PY_I_FOLDS;
const USER_RE = new RegExp(
  `^(?:[${ATEXT}]+(?:\\.[${ATEXT}]+)*` + // dot-atom
    `|"(?:[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f!#-\\[\\]-\\x7f${PY_I_FOLDS}]` + // quoted-string
    `|\\\\[\\x01-\\x09\\x0b\\x0c\\x0e-\\x7f${PY_I_FOLDS}])*")$`,
  'iu',
);
// Since Django 5.2 the domain reuses DomainNameValidator's parts (no trailing dot), and the old
// punycode retry was dropped because the regex itself accepts Unicode labels.
const DOMAIN_PART_RE = new RegExp(`^${HOSTNAME_RE}${DOMAIN_RE}${TLD_NO_FQDN_RE}$`, 'iu');
const LITERAL_RE = /^\[([A-F0-9:.]+)\]$/i; // SMTP 4.1.3 address literal
const DOMAIN_ALLOWLIST = ['localhost'];

/** `validate_email(value)` passes. */
export function djangoEmailValid(value: string): boolean {
  if (!value || !value.includes('@') || pyLen(value) > 320) return false;
  const at = value.lastIndexOf('@');
  const user = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!USER_RE.test(user)) return false;
  if (DOMAIN_ALLOWLIST.includes(domain) || DOMAIN_PART_RE.test(domain)) return true;
  const literal = LITERAL_RE.exec(domain);
  return !!literal && djangoIsIpv46(literal[1] ?? '');
}

// ---- email.headerregistry.Address(addr_spec=...) on an address Django already accepted -------
//
// validate_is_not_disposable maps any parse failure or defect to DisposableEmailError, so an
// address Django accepts can still get "Please use your real email address.". Given Django's
// grammar, the only reachable defects are the ones checked below.

const PY_WS_RUN = new RegExp(`^[${PY_WS}]+`, 'u');
const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);
const isHex = (c: string | undefined): boolean => !!c && /^[0-9a-fA-F]$/.test(c);

/** `_header_value_parser.get_encoded_word(value)` would succeed (RFC 2047 `=?cs?q?text?=`). */
function startsWithEncodedWord(value: string): boolean {
  if (!value.startsWith('=?')) return false;
  const rest = value.slice(2);
  const end = rest.indexOf('?=');
  if (end < 0) return false;
  let tok = rest.slice(0, end);
  const remstr = rest.slice(end + 2);
  // "The ? after the CTE was followed by an encoded word escape (=XX)."
  if (isHex(remstr[0]) && isHex(remstr[1]) && tok.split('?').length - 1 < 2) {
    const end2 = remstr.indexOf('?=');
    tok += `?=${end2 < 0 ? remstr : remstr.slice(0, end2)}`;
  }
  const parts = `=?${tok}?=`.split('?');
  return parts.length === 5 && ['q', 'b'].includes((parts[2] ?? '').toLowerCase()) && isAscii(parts[3] ?? '');
}

/** `_get_ptext_to_endchars(value, '"')`: unescaped text up to '"' or the first space/tab. */
function ptextToQuote(value: string): [string, string] {
  const ws = /[ \t]+/.exec(value);
  const fragment = ws ? value.slice(0, ws.index) : value;
  const remainder = ws ? value.slice(ws.index) : '';
  const vchars: string[] = [];
  let escape = false;
  let pos = 0;
  for (; pos < fragment.length; pos++) {
    const ch = fragment[pos] as string;
    if (ch === '\\' && !escape) {
      escape = true;
      continue;
    }
    if (escape) escape = false;
    else if (ch === '"') break;
    vchars.push(ch);
  }
  return [vchars.join(''), fragment.slice(pos) + remainder];
}

/** `get_bare_quoted_string` records a defect (non-printable qcontent or an encoded word). */
function quotedStringHasDefect(addrSpec: string): boolean {
  let value = addrSpec.slice(1);
  while (value && !value.startsWith('"')) {
    if (value[0] === ' ' || value[0] === '\t') {
      value = value.replace(PY_WS_RUN, ''); // get_fws: str.lstrip()
    } else if (startsWithEncodedWord(value)) {
      return true; // "encoded word inside quoted string"
    } else {
      const [ptext, rest] = ptextToQuote(value);
      if (/[\x00-\x20\x7f]/.test(ptext)) return true; // NonPrintableDefect
      value = rest;
    }
  }
  return false;
}

/** `Address(addr_spec=email)` raises (HeaderParseError/ValueError or its first defect). */
export function addressParseFails(email: string): boolean {
  if (/\p{Cs}/u.test(email)) return true; // surrogates: UndecodableBytesDefect
  const local = email.slice(0, email.lastIndexOf('@'));
  if (!isAscii(local)) return true; // NonASCIILocalPartDefect (reachable via İ ı ſ K)
  // A dot-atom that starts as an encoded word is always followed by '@', not whitespace.
  return local.startsWith('"') ? quotedStringHasDefect(email) : startsWithEncodedWord(email);
}

/** `Address(addr_spec=email).domain`: the part after the last '@', minus Python whitespace. */
export const addressDomain = (email: string): string =>
  email.slice(email.lastIndexOf('@') + 1).replace(new RegExp(`[${PY_WS}]`, 'gu'), '');

// ---- zerver/lib/name_restrictions.py ---------------------------------------------------------

// Zulip's OVERRIDE_ALLOW_EMAIL_DOMAINS: listed as disposable upstream, allowed by Zulip.
const OVERRIDE_ALLOW = new Set(['airsi.de', 'opayq.com', 'abinemail.com', 'blurmail.net', 'maskmemail.com']);
let disposable: Set<string> | undefined; // ~120k names; built on first use, not at import

/**
 * `is_disposable_domain`. Zulip reads the PyPI `disposable-email-domains` blocklist; the
 * simulator uses the npm package of the same name, a similar but not identical list.
 */
export function isDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (OVERRIDE_ALLOW.has(d)) return false;
  disposable ??= new Set(disposableDomains as string[]);
  return disposable.has(d);
}

// ---- zilencer/views.py register_remote_server -------------------------------------------------

const failure = (reason: string): EmailCheckFailure => ({
  msg: `Invalid server administrator email address: ${reason}`,
  reason,
});

/** Zulip's ServerAdminEmailError for `contact_email`, or null when registration may proceed. */
export async function contactEmailError(
  email: string,
  dns: DnsResolver,
  isDisposable: (domain: string) => boolean = isDisposableDomain,
): Promise<EmailCheckFailure | null> {
  if (!djangoEmailValid(email)) return failure('Enter a valid email address.');
  if (addressParseFails(email) || isDisposable(addressDomain(email))) {
    return failure('Please use your real email address.');
  }
  const domain = addressDomain(email).toLowerCase();
  if (domain === 'example.com') return failure('example.com is not a valid email domain.');
  if ((await dns.resolveMx(domain)).length > 0) return null;
  return (await dns.hasAddressOrNs(domain))
    ? failure(`${domain} is invalid because it does not have any MX records`)
    : failure(`${domain} does not exist`);
}
