/** What a `run` runs: the scenario files, the --scenario filter, the Jest config. Pure but for reading the tree. */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from 'jest';

import baseConfig from '../../jest.config';
import { UsageError } from './args';

/** Every `*.test.ts` under `dir`, relative to `root`, sorted. */
export function listScenarioFiles(root: string, dir: string): string[] {
  const abs = path.resolve(root, dir);
  if (!fs.existsSync(abs)) throw new UsageError(`no scenario directory at ${abs}`);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.endsWith('.test.ts')) found.push(path.relative(root, full));
    }
  };
  walk(abs);
  return found.sort();
}

/** The files a --scenario filter selects: a part of the path (or the name), case-insensitive. */
export function selectScenarios(files: string[], filter: string | undefined, root: string): string[] {
  if (filter === undefined) return files;
  let wanted = path.isAbsolute(filter) ? path.relative(root, filter) : filter;
  wanted = wanted.replace(/^\.\//, '').toLowerCase();
  const chosen = files.filter((f) => f.toLowerCase().includes(wanted));
  if (chosen.length === 0) {
    throw new UsageError(`no scenario matches "${filter}"; the scenarios are:\n${files.map((f) => `  ${f}`).join('\n')}`);
  }
  return chosen;
}

/** The Jest config of a run: the project's own, with the run's roots and reporters. */
export function runJestConfig(opts: { root: string; scenariosDir: string; reportDir: string; resultsFile: string; reporter: string }): Config {
  const junit = (baseConfig.reporters ?? []).find((r): r is [string, Record<string, unknown>] => Array.isArray(r) && r[0] === 'jest-junit');
  return {
    ...baseConfig,
    rootDir: opts.root,
    roots: [path.resolve(opts.root, opts.scenariosDir)],
    reporters: [
      [opts.reporter, { resultsFile: opts.resultsFile }],
      ['jest-junit', { ...(junit?.[1] ?? {}), outputDirectory: opts.reportDir, outputName: 'junit.xml' }],
    ],
  };
}

