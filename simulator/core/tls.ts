/**
 * Throwaway PKI for the simulators: one private CA per run, and server certificates it issues
 * for the hostnames the simulated hosts answer for (the registration-transfer host, the mock
 * APNs). Clients trust exactly that CA, so TLS verification is real — a certificate from
 * another CA, or one without the hostname, fails the handshake just as it would in production.
 *
 * Everything is PEM so it can be handed to node:tls / node:https or written to a file for
 * another process. Each CA gets a fresh RSA-2048 key; the server certificates one CA issues
 * share one leaf key (RSA key generation, ~0.2 s of CPU, dominated a stack's start-up). Trust
 * is unchanged: a leaf verifies only against the CA that signed it.
 *
 * Validity uses real wall-clock time, not a simulator Clock: OpenSSL checks certificates
 * against the system time, whatever a VirtualClock says.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import forge from 'node-forge';

export interface CertificateAuthority {
  commonName: string;
  /** The CA certificate: what clients put in their trust list (`ca` option). */
  certPem: string;
  /** The CA's private key (PKCS#1 PEM): needed only to issue certificates. */
  keyPem: string;
  /** The key its server certificates share (PKCS#1 PEM); made on first use when absent. */
  leafKeyPem?: string;
}

export interface IssuedCertificate {
  /** Leaf certificate, signed by the CA. */
  certPem: string;
  /** The leaf's private key (PKCS#1 PEM). */
  keyPem: string;
}

const DAY_MS = 86_400_000;
const KEY_BITS = 2048;

export function createCertificateAuthority(commonName = 'Zulip Push Proving Ground Test CA'): CertificateAuthority {
  const keys = forge.pki.rsa.generateKeyPair({ bits: KEY_BITS, e: 0x10001 });
  const cert = newCertificate(keys.publicKey);
  const name = [{ name: 'commonName', value: commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    commonName,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/**
 * A server certificate for `hostnames`: DNS names become DNS SANs, IP literals (`127.0.0.1`,
 * `::1`, optionally bracketed) become IP SANs. The first hostname is also the subject CN.
 * Names carry no port: certificates do not name ports.
 */
export function issueServerCertificate(ca: CertificateAuthority, hostnames: string[]): IssuedCertificate {
  if (hostnames.length === 0) throw new Error('a server certificate needs at least one hostname');
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = leafKeyFor(ca);
  const cert = newCertificate(keys.publicKey);
  const names = hostnames.map((h) => h.replace(/^\[(.*)\]$/, '$1'));
  cert.setSubject([{ name: 'commonName', value: names[0]! }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      // GeneralName types: 2 = dNSName, 7 = iPAddress.
      altNames: names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
    { name: 'subjectKeyIdentifier' },
    // The CA's key id, so chain building never has to guess (forge's `true` would use the leaf's).
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** One leaf key pair per CA (keyed by the CA certificate; a CA is dropped with its last user). */
const leafKeys = new Map<string, forge.pki.rsa.KeyPair>();
const MAX_CACHED_CAS = 16;

function leafKeyFor(ca: CertificateAuthority): forge.pki.rsa.KeyPair {
  let keys = leafKeys.get(ca.certPem);
  if (!keys) {
    if (ca.leafKeyPem) {
      const privateKey = forge.pki.privateKeyFromPem(ca.leafKeyPem) as forge.pki.rsa.PrivateKey;
      keys = { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
    } else {
      keys = forge.pki.rsa.generateKeyPair({ bits: KEY_BITS, e: 0x10001 });
    }
    if (leafKeys.size >= MAX_CACHED_CAS) leafKeys.delete(leafKeys.keys().next().value!);
    leafKeys.set(ca.certPem, keys);
  }
  return keys;
}

/** A CA with its leaf key made up front (to hand to other processes, e.g. Jest workers). */
export function createCertificateAuthorityWithLeafKey(commonName?: string): CertificateAuthority {
  const ca = createCertificateAuthority(commonName);
  return { ...ca, leafKeyPem: forge.pki.privateKeyToPem(leafKeyFor(ca).privateKey) };
}

/** Version 3, random positive serial, valid from yesterday (clock skew) to a year from now. */
function newCertificate(publicKey: forge.pki.PublicKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  const serial = crypto.randomBytes(16);
  // DER integers are signed: clear the top bit so the serial is positive, and keep the first
  // byte non-zero so it always encodes in 16 bytes.
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + 365 * DAY_MS);
  return cert;
}
