/**
 * `npm run zulip -- register_server …` end to end: the CLI in a child process (as an operator
 * runs it, without a terminal) against a fake server and bouncer running in this process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../harness/testing/temp-dir';
import { startBouncer, type BouncerHandle } from '../../bouncer';
import { VirtualClock } from '../../core/clock';
import { startZulipServer, type ZulipServerHandle } from '..';

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'simulator', 'zulip-server', 'cli.ts');

let bouncer: BouncerHandle;
let zulip: ZulipServerHandle;

beforeAll(async () => {
  const clock = new VirtualClock();
  bouncer = await startBouncer({ clock, database: 'memory' });
  zulip = await startZulipServer({ dataDir: tempDir('zpg-cli-'), clock, analyticsJob: false, settings: { servicesUrl: bouncer.url } });
});

afterAll(async () => {
  await zulip.stop();
  await bouncer.stop();
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // stdin is not a terminal here: the ToS can only be accepted with the flag.
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const servers = () => bouncer.query<{ uuid: string; deactivated: number }>('SELECT uuid, deactivated FROM remote_zulip_server');

it('should print the registration data, refuse without a terminal or the flag, then register with --agree-to-terms-of-service', async () => {
  const orgId = zulip.context.secrets.credentials()!.zulipOrgId;

  const refused = await runCli(['register_server', '--data-dir', zulip.dataDir]);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain("* This server's configured hostname: zulip.example.net");
  expect(refused.stdout).toContain(`* This server's registration ID (zulip_org_id): ${orgId}`);
  expect(refused.stdout).toContain('Use of the push notification bouncer is subject to the Zulip Cloud Terms of Service');
  expect(refused.stderr).toContain('Aborting, since Terms of Service have not been accepted');
  expect(servers()).toEqual([]);

  const registered = await runCli(['register_server', '--agree-to-terms-of-service', '--data-dir', zulip.dataDir]);
  expect(registered).toMatchObject({ code: 0, stderr: '' });
  expect(registered.stdout).toContain("* This server's configured contact email address: admin@zulip.com");
  expect(registered.stdout).toContain('Your server is now registered for the Mobile Push Notification Service!');
  expect(servers()).toEqual([{ uuid: orgId, deactivated: 0 }]);
  const key = zulip.context.secrets.credentials()!.zulipOrgKey;
  expect(refused.stdout + registered.stdout).not.toContain(key);
}, 60_000);

it("should deactivate via --url / --ca-file and then exit 1 with Zulip's message", async () => {
  if (servers().length === 0) await zulip.registerServer({ agreeToTermsOfService: true });
  const caFile = path.join(tempDir('zpg-cli-ca-'), 'ca.pem');
  fs.writeFileSync(caFile, zulip.caCertPem);
  const target = ['--url', zulip.url, '--ca-file', caFile];

  const deactivated = await runCli(['register_server', '--deactivate', ...target]);
  expect(deactivated).toMatchObject({ code: 0, stdout: 'Mobile Push Notification Service registration successfully deactivated!\n' });
  expect(servers()).toMatchObject([{ deactivated: 1 }]);

  const again = await runCli(['register_server', '--agree-to-terms-of-service', ...target]);
  expect(again.code).toBe(1);
  expect(again.stderr).toBe(
    'CommandError: Error received from the push notification service: ' +
      '"The mobile push notification service registration for your server has been deactivated"\n',
  );

  const usage = await runCli(['register_server', '--rotate-key', '--deactivate', ...target]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('argument --deactivate: not allowed with argument --rotate-key');
}, 60_000);
