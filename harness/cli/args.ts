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

export interface RunArgs {
  /** A scenario file's path or name, or a part of it (case-insensitive): only those files run. */
  scenario?: string;
  /** ZPG_SEED for every world of the run (harness/world runSeed()). */
  seed: number;
}

/** `run [--scenario <name|path substring>] [--seed <n>]`; the seed defaults to ZPG_SEED, then 1. */
export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RunArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.scenario !== undefined && v.scenario.trim() === '') throw new UsageError('--scenario needs a name or a part of a path');
  const seedText = v.seed ?? env.ZPG_SEED ?? '1';
  const seed = /^-?\d+$/.test(seedText.trim()) ? Number(seedText) : NaN;
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(v.seed !== undefined ? `--seed must be an integer, not ${v.seed}` : `ZPG_SEED must be an integer, not ${env.ZPG_SEED}`);
  }
  return { ...(v.scenario !== undefined ? { scenario: v.scenario.trim() } : {}), seed };
}
