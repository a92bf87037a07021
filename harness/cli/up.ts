/**
 * `npm run up -- [--json] [--profile 11|12] [--seed N] [--data-dir DIR] [--clock real|virtual]`
 *
 * Starts the embedded stack and keeps it until SIGINT/SIGTERM. With --json, exactly one line of
 * JSON goes to stdout once everything is ready; logs go to stderr and to the log files.
 */
import { startEmbeddedStack } from '../stack/embedded';
import { parseUpArgs } from './args';

export async function up(argv: string[]): Promise<void> {
  const args = parseUpArgs(argv);
  const stack = await startEmbeddedStack({
    dataDir: args.dataDir,
    clock: args.clock,
    profile: args.profile,
    seed: args.seed,
    logToStderr: !args.quiet,
  });
  const description = stack.describe();
  if (args.json) {
    process.stdout.write(JSON.stringify(description) + '\n');
  } else {
    const d = description;
    process.stdout.write(
      [
        'Zulip push proving ground: stack is up',
        `  bouncer   ${d.bouncer.url}   (admin ${d.bouncer.adminUrl}; E2EE profile ${d.bouncer.profile}, public key ${d.bouncer.e2eePublicKey})`,
        `  apns      ${d.apns.url}   (team ${d.apns.teamId}, key ${d.apns.keyId}: ${d.apns.keyFile}; CA ${d.apns.caCertFile})`,
        `  fcm       ${d.fcm.url} and ${d.fcm.tlsUrl}   (project ${d.fcm.projectId}; service account ${d.fcm.serviceAccountFile})`,
        `  zulip     ${d.zulip.url}   (EXTERNAL_HOST ${d.zulip.externalHost}; admin ${d.zulip.adminUrl}; secrets ${d.zulip.secretsFile}; CA ${d.zulip.caCertFile})`,
        `  data dir  ${d.dataDir}   (clock ${d.clock}, seed ${d.seed})`,
        `  logs      ${Object.values(d.logFiles).join(', ')}`,
        '',
        'Try:',
        `  curl -s -X POST ${d.bouncer.url}/api/v1/remotes/server/register \\`,
        `    -d zulip_org_id=$(cat /proc/sys/kernel/random/uuid) -d zulip_org_key=$(head -c 96 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 64) \\`,
        '    -d hostname=zulip.example.net -d contact_email=admin@zulip.com',
        `  curl -s --cacert ${d.apns.caCertFile} -X POST ${d.apns.adminUrl}/devices -d '{"scope":"org.zulip.Zulip"}'`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  }

  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await stack.stop();
}
