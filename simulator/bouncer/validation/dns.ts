/**
 * DNS for the contact-email check of `server/register` (bouncer-protocol.md §3.1, step 3).
 *
 * Zulip asks dnspython for MX records, then (for a better error message) whether the name
 * exists at all. The simulator must be deterministic and this machine is offline, so the only
 * resolver shipped here is a static in-memory table: nothing in this module opens a socket.
 * Tests and scenarios mutate the table to produce each branch of the check.
 */
import defaultZones from '../../../fixtures/dns/default-zones.json';

export interface DnsRecords {
  mx?: string[];
  a?: string[];
  aaaa?: string[];
  ns?: string[];
}

/** What the registration view needs from DNS; a fake, never a real resolver. */
export interface DnsResolver {
  /** MX exchange names; [] when the name has none or does not exist. */
  resolveMx(domain: string): Promise<string[]>;
  /** true if A, AAAA or NS records exist */
  hasAddressOrNs(domain: string): Promise<boolean>;
}

// DNS names are case-insensitive and "zulip.com." is the same name as "zulip.com".
const normalize = (domain: string): string => domain.toLowerCase().replace(/\.$/, '');

// Callers get copies so that a scenario mutating a returned array cannot edit the zone.
const copyRecords = (r: DnsRecords): DnsRecords => {
  const out: DnsRecords = {};
  if (r.mx) out.mx = [...r.mx];
  if (r.a) out.a = [...r.a];
  if (r.aaaa) out.aaaa = [...r.aaaa];
  if (r.ns) out.ns = [...r.ns];
  return out;
};

export class OfflineDnsTable implements DnsResolver {
  private readonly zones = new Map<string, DnsRecords>();

  constructor(initial?: Record<string, DnsRecords>) {
    for (const [domain, records] of Object.entries(initial ?? {})) this.set(domain, records);
  }

  set(domain: string, records: DnsRecords): void {
    this.zones.set(normalize(domain), copyRecords(records));
  }

  delete(domain: string): void {
    this.zones.delete(normalize(domain));
  }

  get(domain: string): DnsRecords | undefined {
    const r = this.zones.get(normalize(domain));
    return r && copyRecords(r);
  }

  entries(): Record<string, DnsRecords> {
    const out: Record<string, DnsRecords> = {};
    for (const [domain, records] of this.zones) out[domain] = copyRecords(records);
    return out;
  }

  async resolveMx(domain: string): Promise<string[]> {
    return [...(this.zones.get(normalize(domain))?.mx ?? [])];
  }

  async hasAddressOrNs(domain: string): Promise<boolean> {
    const r = this.zones.get(normalize(domain));
    return !!r && [r.a, r.aaaa, r.ns].some((list) => (list?.length ?? 0) > 0);
  }
}

/** A fresh table (callers may mutate it) holding fixtures/dns/default-zones.json. */
export function defaultDnsTable(): OfflineDnsTable {
  return new OfflineDnsTable(defaultZones as Record<string, DnsRecords>);
}
