/** A small, strict argument parser: unknown flags are errors, not silently ignored. */
import { parseArgs } from 'node:util';

import { UsageError } from '../../simulator/core/cli';

export { UsageError };

export interface UpArgs {
  json: boolean;
  profile: 11 | 12;
  seed: number;
  dataDir?: string;
  clock: 'real' | 'virtual';
  quiet: boolean;
}

export function parseUpArgs(argv: string[]): UpArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        profile: { type: 'string', default: '12' },
        seed: { type: 'string', default: '1' },
        'data-dir': { type: 'string' },
        clock: { type: 'string', default: 'real' },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.profile !== '11' && v.profile !== '12') throw new UsageError(`--profile must be 11 or 12, not ${v.profile}`);
  const seed = Number(v.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, not ${v.seed}`);
  if (v.clock !== 'real' && v.clock !== 'virtual') throw new UsageError(`--clock must be real or virtual, not ${v.clock}`);
  return {
    json: v.json ?? false,
    profile: Number(v.profile) as 11 | 12,
    seed,
    dataDir: v['data-dir'],
    clock: v.clock,
    quiet: v.quiet ?? false,
  };
}
