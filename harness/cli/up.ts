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
    process.stdout.write(
      [
        'Zulip push proving ground: stack is up',
        `  bouncer   ${description.bouncer.url}   (admin: ${description.bouncer.adminUrl})`,
        `  data dir  ${description.dataDir}`,
        `  logs      ${Object.values(description.logFiles).join(', ')}`,
        `  clock     ${description.clock}    E2EE profile ${args.profile}    seed ${args.seed}`,
        '',
        'Try:',
        `  curl -s -X POST ${description.bouncer.url}/api/v1/remotes/server/register \\`,
        `    -d zulip_org_id=$(cat /proc/sys/kernel/random/uuid) -d zulip_org_key=$(head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 64) \\`,
        '    -d hostname=zulip.example.net -d contact_email=admin@zulip.com',
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
