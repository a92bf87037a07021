import { OfflineDnsTable, defaultDnsTable } from '../validation/dns';
import { contactEmailError, djangoEmailValid, isDisposableDomain } from '../validation/email';
import { UrlsplitValueError, hostnameError, pyIdnaEncode } from '../validation/hostname';

const invalid = (h: string) => `${h} is not a valid hostname`;
const components = (h: string) => `${h} contains invalid components (e.g., path, query, fragment).`;
const label = (n: number) => 'a'.repeat(n);

describe('hostnameError', () => {
  it.each([
    ['a dotted domain', 'example.com'],
    ['the test server hostname of §15', 'demo.example.com'],
    ['localhost', 'localhost'],
    ['localhost with a port', 'localhost:9991'],
    ['an IPv4 address', '127.0.0.1'],
    ['an IPv4 address with a port', '192.0.2.1:443'],
    ['a bracketed IPv6 address', '[::1]'],
    ['a bracketed IPv6 address with a port', '[2001:db8::1]:8080'],
    ['a domain with a port', 'zulip.example.com:8443'],
    ['a one-digit port (Django 5 allows 1-5 digits)', 'example.com:1'],
    ['an out-of-range five-digit port (Django does not range-check)', 'example.com:99999'],
    ['a fully-qualified name with a trailing dot', 'example.com.'],
    ['upper case', 'EXAMPLE.COM'],
    ['a punycode TLD', 'example.xn--p1ai'],
    ['a Unicode domain', 'münchen.de'],
    ['a one-letter Unicode TLD, via the IDNA retry', 'example.ü'],
    ['an ideographic full stop, via the IDNA retry', 'example。com'],
    ['userinfo, which URLValidator allows', 'user@example.com'],
    ['an empty query, which urlsplit reports as ""', 'example.com?'],
    ['an empty fragment, which urlsplit reports as ""', 'example.com#'],
    ['a 63-character label', `${label(63)}.com`],
    ['a 129-character name (the 128 limit is typed_endpoint, not this check)', `${label(60)}.${label(60)}.${label(3)}.com`],
  ])('should accept %s: %s', (_why, hostname) => {
    expect(hostnameError(hostname)).toBeNull();
  });

  it.each([
    ['§15 case 2: no dot', 'invalid-host', invalid('invalid-host')],
    ['§15 case 2: a path', 'example.com/path', components('example.com/path')],
    ['a trailing slash', 'example.com/', components('example.com/')],
    ['a query', 'example.com?x=1', components('example.com?x=1')],
    ['a fragment', 'example.com#top', components('example.com#top')],
    ['a path after a port', 'localhost:9991/api', components('localhost:9991/api')],
    ['a space', 'a b.com', invalid('a b.com')],
    ['the empty string', '', invalid('')],
    ['a digit in the TLD', 'example.c0m', invalid('example.c0m')],
    ['a leading hyphen', '-a.com', invalid('-a.com')],
    ['a trailing hyphen in a label', 'a-.com', invalid('a-.com')],
    ['an empty label', 'a..com', invalid('a..com')],
    ['a 64-character label', `${label(64)}.com`, invalid(`${label(64)}.com`)],
    ['a 129-character label', `${label(129)}.com`, invalid(`${label(129)}.com`)],
    ['a name over 253 characters', `${`${label(62)}.`.repeat(4)}com`, invalid(`${`${label(62)}.`.repeat(4)}com`)],
    ['an IPv4 octet over 255', '999.1.1.1', invalid('999.1.1.1')],
    ['a six-digit port', 'example.com:123456', invalid('example.com:123456')],
    ['a non-numeric port', 'example.com:http', invalid('example.com:http')],
    ['localhost with a trailing dot', 'localhost.', invalid('localhost.')],
    ['an IPv6 zone id', '[fe80::1%25eth0]', invalid('[fe80::1%25eth0]')],
    [
      'an IPv6 literal over Django 39-character cap',
      '[0000:0000:0000:0000:0000:0000:255.255.255.255]',
      invalid('[0000:0000:0000:0000:0000:0000:255.255.255.255]'),
    ],
    ['a tab (urlsplit drops it, URLValidator refuses it)', 'exa\tmple.com', invalid('exa\tmple.com')],
    ['a path hidden behind a tab', 'example.com\t/x', components('example.com\t/x')],
  ])('should reject %s', (_why, hostname, message) => {
    expect(hostnameError(hostname)).toBe(message);
  });

  it.each([
    ['an unclosed bracket', '[::1'],
    ['a stray closing bracket', '::1]'],
    ['a bracketed IPv4 address', '[1.2.3.4]'],
    ['a bracketed non-address', '[zulip]'],
    ['text after the bracket', '[::1]x'],
    ['text before the bracket', 'a[::1]'],
    ['a netloc that NFKC-normalizes to a delimiter', 'a\u2100b.com'],
  ])('should throw UrlsplitValueError (a 500 in Zulip) for %s', (_why, hostname) => {
    expect(() => hostnameError(hostname)).toThrow(UrlsplitValueError);
  });
});

describe('pyIdnaEncode', () => {
  it.each([
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['ÜBER.de', 'xn--ber-goa.de'],
    ['straße.de', 'strasse.de'],
    ['😀.com', 'xn--e28h.com'],
    ['Example.COM', 'Example.COM'],
  ])('should encode %s as CPython does (%s)', (input, output) => {
    expect(pyIdnaEncode(input)).toBe(output);
  });
});

describe('contactEmailError', () => {
  const prefix = 'Invalid server administrator email address: ';
  let dns: OfflineDnsTable;
  beforeEach(() => {
    dns = defaultDnsTable();
  });

  const reasonFor = async (email: string, isDisposable?: (d: string) => boolean) =>
    (await contactEmailError(email, dns, isDisposable))?.reason ?? null;

  it('should wrap every reason in the newer ServerAdminEmailError wording', async () => {
    expect(await contactEmailError('server-admin', dns)).toEqual({
      msg: `${prefix}Enter a valid email address.`,
      reason: 'Enter a valid email address.',
    });
  });

  describe('§15 case 5 (test_register_contact_email_validation_rules)', () => {
    it('should reject server-admin as an invalid address', async () => {
      expect(await reasonFor('server-admin')).toBe('Enter a valid email address.');
    });
    it('should reject admin@example.com', async () => {
      expect(await reasonFor('admin@example.com')).toBe('example.com is not a valid email domain.');
    });
    it('should reject the disposable admin@mailnator.com', async () => {
      expect(await reasonFor('admin@mailnator.com')).toBe('Please use your real email address.');
    });
    it('should reject a domain with A records but no MX', async () => {
      dns.set('zulip.com', { a: ['192.0.2.10'] });
      expect(await reasonFor('admin@zulip.com')).toBe(
        'zulip.com is invalid because it does not have any MX records',
      );
    });
    it('should reject a domain with no records at all', async () => {
      dns.delete('zulip.com');
      expect(await reasonFor('admin@zulip.com')).toBe('zulip.com does not exist');
    });
    it('should accept a domain with MX records', async () => {
      expect(await contactEmailError('admin@zulip.com', dns)).toBeNull();
    });
  });

  it.each([
    ['no at-sign', 'server-admin'],
    ['an empty local part', '@zulip.com'],
    ['an empty domain', 'admin@'],
    ['a dotless domain', 'admin@zulip'],
    ['LOCALHOST (the allowlist is case-sensitive)', 'admin@LOCALHOST'],
    ['a trailing dot (Django 5.2 uses tld_no_fqdn_re)', 'admin@zulip.com.'],
    ['a digit in the TLD', 'admin@zulip.c0m'],
    ['consecutive dots', 'a..b@zulip.com'],
    ['an unescaped space in a quoted local part', '"a b"@zulip.com'],
    ['an invalid IPv4 literal', 'admin@[999.1.1.1]'],
    ['a tagged IPv6 literal', 'admin@[IPv6:::1]'],
    ['more than 320 characters', `${'a'.repeat(311)}@zulip.com`],
  ])('should answer "Enter a valid email address." for %s', async (_why, email) => {
    expect(await reasonFor(email)).toBe('Enter a valid email address.');
  });

  it.each([
    ['localhost', 'admin@localhost', 'localhost does not exist'],
    ['an IPv4 literal', 'admin@[192.0.2.1]', '[192.0.2.1] does not exist'],
    ['an IPv6 literal', 'admin@[::1]', '[::1] does not exist'],
    ['a quoted local part holding an at-sign', '"a@b"@zulip.com', null],
    ['an escaped space in a quoted local part', '"a\\ b"@zulip.com', null],
    ['exactly 320 characters', `${'a'.repeat(310)}@zulip.com`, null],
  ])('should pass Django validation for %s', async (_why, email, reason) => {
    expect(djangoEmailValid(email)).toBe(true);
    expect(await reasonFor(email)).toBe(reason);
  });

  it.each([
    ['a disposable domain in upper case', 'admin@MAILNATOR.COM'],
    ["a non-ASCII local part Django lets through via re.IGNORECASE (ı)", 'ı@zulip.com'],
    ['a control character inside a quoted local part', '"\x01"@zulip.com'],
    ['an RFC 2047 encoded word as the local part', '=?utf-8?q?a?=@zulip.com'],
  ])('should answer "Please use your real email address." for %s', async (_why, email) => {
    expect(await reasonFor(email)).toBe('Please use your real email address.');
  });

  it('should reject example.com case-insensitively', async () => {
    expect(await reasonFor('Admin@Example.COM')).toBe('example.com is not a valid email domain.');
  });

  it('should report the DNS failure with the lower-cased domain', async () => {
    dns.set('zulip.com', { aaaa: ['2001:db8::10'] });
    expect(await reasonFor('Admin@ZULIP.Com')).toBe('zulip.com is invalid because it does not have any MX records');
    expect(await reasonFor('admin@No-Such.Example.NET')).toBe('no-such.example.net does not exist');
  });

  it('should count NS records alone as the domain existing', async () => {
    dns.set('ns-only.test', { ns: ['ns1.example.net'] });
    expect(await reasonFor('admin@ns-only.test')).toBe(
      'ns-only.test is invalid because it does not have any MX records',
    );
  });

  it('should run Django validation before the disposable check', async () => {
    expect(await reasonFor('server-admin', () => true)).toBe('Enter a valid email address.');
  });

  it('should run the disposable check before the example.com ban', async () => {
    expect(await reasonFor('admin@example.com', () => true)).toBe('Please use your real email address.');
  });

  it('should run the example.com ban before any DNS lookup', async () => {
    const lookups: string[] = [];
    const spy = {
      resolveMx: async (d: string) => (lookups.push(d), []),
      hasAddressOrNs: async (d: string) => (lookups.push(d), false),
    };
    expect((await contactEmailError('admin@example.com', spy))?.reason).toBe('example.com is not a valid email domain.');
    expect(lookups).toEqual([]);
  });

  it('should not ask for A/AAAA/NS once MX records are found', async () => {
    const spy = {
      resolveMx: async () => ['mx.zulip.com'],
      hasAddressOrNs: async (): Promise<boolean> => {
        throw new Error('unexpected lookup');
      },
    };
    expect(await contactEmailError('admin@zulip.com', spy)).toBeNull();
  });

  it('should hand the injected disposable predicate the domain as written', async () => {
    const seen: string[] = [];
    await contactEmailError('admin@Zulip.com', dns, (d) => (seen.push(d), false));
    expect(seen).toEqual(['Zulip.com']);
  });
});

describe('isDisposableDomain', () => {
  it.each([
    ['mailnator.com', true],
    ['MailNator.COM', true],
    ['mailinator.com', true],
    ['zulip.com', false],
    ['gmail.com', false],
    ['opayq.com', false], // in the upstream list, but on Zulip's OVERRIDE_ALLOW_EMAIL_DOMAINS
  ])('should classify %s as disposable=%s', (domain, expected) => {
    expect(isDisposableDomain(domain)).toBe(expected);
  });
});

describe('OfflineDnsTable', () => {
  it.each(['zulip.com', 'gmail.com', 'zulipchat.com', 'outlook.com', 'yahoo.com', 'proton.me', 'fastmail.com'])(
    'should ship MX and A records for %s in the default table',
    async (domain) => {
      const table = defaultDnsTable();
      expect((await table.resolveMx(domain)).length).toBeGreaterThan(0);
      expect(table.get(domain)?.a?.length).toBeGreaterThan(0);
      expect(await table.hasAddressOrNs(domain)).toBe(true);
    },
  );

  it('should only use documentation address ranges in the default table', () => {
    for (const records of Object.values(defaultDnsTable().entries())) {
      for (const a of records.a ?? []) expect(a).toMatch(/^192\.0\.2\.\d+$/);
      for (const aaaa of records.aaaa ?? []) expect(aaaa).toMatch(/^2001:db8::/);
    }
  });

  it('should answer nothing for an unknown domain', async () => {
    const table = new OfflineDnsTable();
    expect(await table.resolveMx('unknown.test')).toEqual([]);
    expect(await table.hasAddressOrNs('unknown.test')).toBe(false);
  });

  it('should treat names case-insensitively and ignore a trailing dot', async () => {
    const table = new OfflineDnsTable({ 'Mixed.Example.': { mx: ['mx.example.net'] } });
    expect(Object.keys(table.entries())).toEqual(['mixed.example']);
    expect(await table.resolveMx('MIXED.example')).toEqual(['mx.example.net']);
    table.delete('mixed.EXAMPLE.');
    expect(await table.resolveMx('mixed.example')).toEqual([]);
  });

  it('should not count an entry with only empty lists as existing', async () => {
    const table = new OfflineDnsTable({ 'empty.test': { mx: [], a: [], aaaa: [], ns: [] } });
    expect(await table.hasAddressOrNs('empty.test')).toBe(false);
  });

  it('should isolate the table from mutations of inputs and outputs', async () => {
    const records = { mx: ['mx1.example.net'] };
    const table = new OfflineDnsTable({ 'iso.test': records });
    records.mx.push('mx2.example.net');
    (await table.resolveMx('iso.test')).push('mx3.example.net');
    table.entries()['iso.test']?.mx?.push('mx4.example.net');
    expect(await table.resolveMx('iso.test')).toEqual(['mx1.example.net']);
  });

  it('should give each defaultDnsTable() caller its own copy', async () => {
    defaultDnsTable().delete('gmail.com');
    expect(await defaultDnsTable().resolveMx('gmail.com')).not.toEqual([]);
  });
});
