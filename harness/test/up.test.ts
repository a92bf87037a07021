/**
 * `npm run up -- --json` (spec/interfaces.md): one line of JSON on stdout once ready, a live
 * stack behind it, a clean exit on SIGTERM, and state kept across restarts with --data-dir.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import { call } from '../http-client';
import { tempDir } from '../testing/temp-dir';

const ROOT = path.resolve(__dirname, '../..');

interface Up {
  child: ChildProcessWithoutNullStreams;
  json: Record<string, any>;
}

function startUp(args: string[]): Promise<Up> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'up', '--json', '--quiet', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, json: JSON.parse(out.slice(0, nl)) as Record<string, any> });
    });
    child.on('exit', (code) => reject(new Error(`up exited ${code} before printing JSON: ${err}`)));
  });
}

const stop = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('up --json', () => {
  it('should print the stack, serve it, keep registrations across a restart and exit 0 on SIGTERM', async () => {
    const dataDir = tempDir('zpg-up-');
    const first = await startUp(['--data-dir', dataDir, '--profile', '11']);
    const j = first.json;
    expect(j).toMatchObject({
      bouncer: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), e2eePublicKey: expect.any(String), profile: 11 },
      apns: { url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), caCertPem: expect.stringContaining('BEGIN CERTIFICATE'), teamId: expect.any(String), keyId: expect.any(String) },
      fcm: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), projectId: expect.any(String), tokenUri: expect.stringMatching(/\/token$/) },
      zulip: { url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), externalHost: expect.any(String) },
      dataDir,
      logFiles: { bouncer: path.join(dataDir, 'logs', 'bouncer.log'), zulip: path.join(dataDir, 'logs', 'zulip.log') },
    });
    // The fake Zulip server answers over HTTPS with a certificate from the stack's CA.
    const zulipRes = await fetch(`${j.zulip.url}/api/v1/no-such-endpoint`, {
      dispatcher: new Agent({ connect: { ca: fs.readFileSync(j.zulip.caCertFile, 'utf8') } }),
    } as RequestInit);
    expect(zulipRes.status).toBe(404);
    expect(await zulipRes.json()).toMatchObject({ result: 'error', msg: 'Endpoint not found' });
    expect(fs.existsSync(j.apns.keyFile)).toBe(true);
    expect(JSON.parse(fs.readFileSync(j.fcm.serviceAccountFile, 'utf8'))).toMatchObject({ type: 'service_account', token_uri: j.fcm.tokenUri });
    expect(Buffer.from(j.bouncer.e2eePublicKey, 'base64')).toHaveLength(32);

    // a fresh, empty service that registers admin@zulip.com (offline DNS fixture)
    const server = { uuid: crypto.randomUUID(), key: 'K'.repeat(64) };
    const form = { zulip_org_id: server.uuid, zulip_org_key: server.key, hostname: 'up.example.net', contact_email: 'admin@zulip.com' };
    expect((await call(j.bouncer, 'POST', '/api/v1/remotes/server/register', { form })).body).toMatchObject({ created: true });
    expect(await stop(first.child)).toBe(0);

    const second = await startUp(['--data-dir', dataDir]);
    try {
      expect((await call(second.json.bouncer, 'GET', '/api/v1/remotes/server/analytics/status', { auth: server })).status).toBe(200);
      expect(second.json.bouncer.e2eePublicKey).toBe(j.bouncer.e2eePublicKey);
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  });

  it('should refuse unknown flags with a usage message and exit 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'up', '--bogus'], { cwd: ROOT });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain("Unknown option '--bogus'");
    expect(err).toContain('usage:');
  });
});
