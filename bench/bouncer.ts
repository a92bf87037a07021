/**
 * Bouncer throughput against a bare fastify route answering a constant JSON body, both measured
 * in this run by the same load generator:
 *  - `GET server/analytics/status`: authentication, database reads, last_request_datetime write,
 *    access log;
 *  - `POST push/notify` with one APNs and one FCM device: plan gate, device lookup, counters, and
 *    a real send to each mock (HTTP/2+TLS to APNs, HTTPS to FCM) — the mocks run in this process
 *    too, so their work is part of the figure.
 * Rate limiting is off (Zulip's own test settings do the same): 1000/min would answer 429.
 */
import Fastify from 'fastify';
import { basicAuth, call } from '../harness/http-client';
import { startEmbeddedStack } from '../harness/stack/embedded';
import { autocannon, type HttpMeasure } from './autocannon';

const WARMUP_S = 2;

export async function benchBouncer(opts: { durationS: number }): Promise<{ rows: HttpMeasure[]; ratios: Record<string, number> }> {
  const bare = Fastify({ logger: false });
  const constant = JSON.stringify({ result: 'success', msg: '', last_realm_count_id: 0, last_installation_count_id: 0, last_realmauditlog_id: 0 });
  bare.all('/bare', (_req, reply) => reply.type('application/json').send(constant));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare`;

  const stack = await startEmbeddedStack({ clock: 'real', rateLimit: false });
  try {
    const b = stack.bouncer;
    const server = { uuid: '6cde5f7a-1f7e-4978-9716-49f69ebfc9fe', key: 'k'.repeat(64) };
    const must = async (p: Promise<{ status: number; text: string }>) => {
      const r = await p;
      if (r.status !== 200) throw new Error(`bench setup failed: ${r.status} ${r.text}`);
    };
    await must(call(b, 'POST', '/api/v1/remotes/server/register', {
      form: { zulip_org_id: server.uuid, zulip_org_key: server.key, hostname: 'bench.example.net', contact_email: 'admin@zulip.com' },
    }));
    // A server that reports few users may push: audit rows with a role count of 3 humans.
    await must(call(b, 'POST', '/api/v1/remotes/server/analytics', {
      auth: server,
      jsonForm: {
        realm_counts: [],
        installation_counts: [],
        realmauditlog_rows: [{ id: 1, realm: 2, event_time: Date.now() / 1000, backfilled: false, event_type: 101, extra_data: JSON.stringify({ 10: { 11: { 100: 1, 200: 0, 300: 0, 400: 2, 600: 0 } } }) }],
        api_feature_level: 400,
        version: '11.0',
      },
    }));
    const apnsToken = stack.apns.createDevice('org.zulip.Zulip').token;
    const fcmToken = stack.fcm.createDevice().token;
    const userUuid = 'b8b3a3a2-0e6e-4d53-9f0e-0b9d2f1c8a11';
    const forms: Record<string, string>[] = [
      { token: apnsToken, token_kind: '1', ios_app_id: 'org.zulip.Zulip', user_uuid: userUuid },
      { token: fcmToken, token_kind: '2', user_uuid: userUuid },
    ];
    for (const form of forms) await must(call(b, 'POST', '/api/v1/remotes/push/register', { auth: server, form }));
    const notify = JSON.stringify({
      user_uuid: userUuid,
      gcm_payload: { event: 'message', zulip_message_id: 42, time: 1700000000, content: 'bench', sender_full_name: 'Bench' },
      apns_payload: { alert: { title: 'Bench', body: 'bench' }, sound: 'default', badge: 0, custom: { zulip: { message_ids: [42] } } },
      gcm_options: { priority: 'high' },
      android_devices: [fcmToken],
      apple_devices: [apnsToken],
    });
    const auth = { authorization: basicAuth(server.uuid, server.key), 'user-agent': 'ZulipServer/11.0' };
    const status = { url: `${b.url}/api/v1/remotes/server/analytics/status`, headers: auth };
    const push = { url: `${b.url}/api/v1/remotes/push/notify`, method: 'POST' as const, headers: { ...auth, 'content-type': 'application/json' }, body: notify };
    const baseline = { url: bareUrl };

    await autocannon('warmup', baseline, WARMUP_S);
    await autocannon('warmup', status, WARMUP_S);
    await autocannon('warmup', push, WARMUP_S);
    const rows = [
      await autocannon('bare fastify route', baseline, opts.durationS),
      await autocannon('bouncer analytics/status', status, opts.durationS),
      await autocannon('bouncer push/notify (1 APNs + 1 FCM)', push, opts.durationS),
    ];
    if (rows.some((r) => r.non2xx > 0)) throw new Error(`non-2xx responses during the benchmark: ${JSON.stringify(rows)}`);
    const [bareRow, statusRow, pushRow] = rows as [HttpMeasure, HttpMeasure, HttpMeasure];
    return {
      rows,
      ratios: {
        'analytics/status vs bare fastify': statusRow.requestsPerSec / bareRow.requestsPerSec,
        'push/notify vs bare fastify': pushRow.requestsPerSec / bareRow.requestsPerSec,
      },
    };
  } finally {
    await bare.close();
    await stack.stop();
  }
}
