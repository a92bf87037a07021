/** The harness's command line: `up` (a live stack), `run` (the scenario suite and its reports). */
import { runCli, UsageError } from '../../simulator/core/cli';
import { run } from './run';
import { up } from './up';

const USAGE = `usage:
  npm start -- [--scenario <name|part of a path>] [--seed N]
                                 run the scenario suite (or the matching files) on the embedded stack;
                                 writes reports/<run-id>/ and reports/latest; exits 1 on a failure or a leak
  npm run up -- [--json] [--profile 11|12] [--seed N] [--data-dir DIR] [--clock real|virtual] [--quiet]
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      await up(rest);
      return 0;
    case 'run':
      return run(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

runCli(main, USAGE);
