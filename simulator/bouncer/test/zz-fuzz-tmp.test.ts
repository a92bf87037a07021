import { createCertificateAuthority } from '/work/main/simulator/core/tls';
import { call, registerServer, startTestBouncer, TRANSFER, VERIFY_CHALLENGE } from '/work/main/simulator/bouncer/test/support';
import { startFakeZulipHost } from '/work/main/simulator/bouncer/test/transfer-host';
it('fuzz', async () => {
  const ca = createCertificateAuthority();
  const host = await startFakeZulipHost(ca, ['zulip.example.net']);
  const b = await startTestBouncer({ database: 'memory', transferHosts: { hosts: { 'zulip.example.net': { host: '127.0.0.1', port: host.port } }, caCertsPem: [ca.certPem], timeoutMs: 500, retries: 0 } });
  await registerServer(b, { hostname: 'zulip.example.net' });
  const tokens = ['', '../../../../etc', 'a b', '%zz', '\u0000', '?x#y', 'x'.repeat(20000), 'ü€😀', '\r\nX: y', '\\\\evil.com\\x', '//evil.com', '@evil.com', ':80', '#'];
  for (const t of tokens) {
    const r = await call(b, 'POST', VERIFY_CHALLENGE, { form: { hostname: 'zulip.example.net', access_token: t } });
    console.log(JSON.stringify(t.slice(0, 20)), r.status, r.body.msg, host.requests.at(-1)?.path.slice(0, 60));
    expect(r.status).toBeLessThan(500);
  }
  for (const h of ['', ' ', 'x'.repeat(300) + '.com', 'a.'.repeat(100) + 'com', '[::1]', 'ü.com']) {
    const r = await call(b, 'POST', TRANSFER, { form: { hostname: h } });
    console.log(JSON.stringify(h.slice(0, 20)), r.status, r.body.msg?.toString().slice(0, 80));
  }
  await b.stop(); await host.close();
});
