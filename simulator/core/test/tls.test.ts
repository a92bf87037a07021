/** The throwaway PKI: certificates a TLS client accepts for their names, and only those. */
import crypto from 'node:crypto';
import { createCertificateAuthority, issueServerCertificate } from '../tls';

const ca = createCertificateAuthority('Test CA');
const leaf = issueServerCertificate(ca, ['zulip.example.net', '127.0.0.1', '[::1]']);
const caCert = new crypto.X509Certificate(ca.certPem);
const leafCert = new crypto.X509Certificate(leaf.certPem);

it('should make a self-signed CA certificate', () => {
  expect(caCert.ca).toBe(true);
  expect(caCert.subject).toBe('CN=Test CA');
  expect(caCert.verify(caCert.publicKey)).toBe(true);
});

it('should issue an RSA-2048 leaf signed by the CA, valid from yesterday for a year', () => {
  expect(leafCert.ca).toBe(false);
  expect(leafCert.checkIssued(caCert)).toBe(true);
  expect(leafCert.verify(caCert.publicKey)).toBe(true);
  expect(leafCert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  const day = 86_400_000;
  expect(Date.now() - Date.parse(leafCert.validFrom)).toBeGreaterThan(day - 60_000);
  expect(Date.parse(leafCert.validTo) - Date.now()).toBeGreaterThan(364 * day);
  expect(crypto.createPrivateKey(leaf.keyPem).type).toBe('private');
});

it('should name DNS names as DNS SANs and IP literals as IP SANs', () => {
  expect(leafCert.subjectAltName).toBe('DNS:zulip.example.net, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  expect(leafCert.checkHost('zulip.example.net')).toBe('zulip.example.net');
  expect(leafCert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(leafCert.checkHost('other.example.net')).toBeUndefined();
});

it('should give every certificate a fresh serial, and each CA its own leaf key', () => {
  const spki = (c: crypto.X509Certificate) => c.publicKey.export({ format: 'pem', type: 'spki' });
  const again = new crypto.X509Certificate(issueServerCertificate(ca, ['zulip.example.net']).certPem);
  expect(again.serialNumber).not.toBe(leafCert.serialNumber);
  // Leaves of one CA share a key (start-up cost); another CA's leaves do not.
  expect(spki(again)).toBe(spki(leafCert));
  const other = new crypto.X509Certificate(issueServerCertificate(createCertificateAuthority(), ['zulip.example.net']).certPem);
  expect(spki(other)).not.toBe(spki(leafCert));
});
