/**
 * `npm start -- [--scenario <name|path substring>] [--seed <n>]`: runs the scenario suite (Jest
 * over scenarios/, live progress from progress-reporter.cjs), then writes `reports/<run-id>/`
 * (junit.xml, results.json, privacy-audit.json, report.html) with `reports/latest` pointing at it,
 * prints the summary table, the replay command of every failed file and the reports' path.
 * Exits 1 when any scenario fails or any privacy finding exists (2 for a usage error).
 *
 * Environment: ZPG_REPORTS_DIR (default <cwd>/reports); ZPG_SCENARIOS_DIR (default scenarios —
 * the harness's own tests point it at fixtures/run-suite); ZPG_SEED (when --seed is not given).
 * The Jest run gets ZPG_SEED and ZPG_PRIVACY_DIR=<run dir>/privacy, where every world's privacy
 * verdict lands (harness/privacy).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { buildAudit, readVerdictFiles } from '../report/audit';
import { DEFAULT_SCENARIOS_DIR, summarizeRun } from '../report/results';
import { summaryText } from '../report/text';
import type { ReporterResults } from '../report/types';
import { makeRunDir, updateLatest, writeRunReports } from '../report/write';
import { parseRunArgs, UsageError } from './args';
import { listScenarioFiles, runJestConfig, selectScenarios } from './run-plan';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PROGRESS_REPORTER = path.join(HERE, 'progress-reporter.cjs');

const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
};

function runJest(args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
  const child = spawn(process.execPath, [jestBin, ...args], { stdio: 'inherit', env });
  // Ctrl-C reaches Jest too (same process group): let it wind down, then report what ran.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(signal ? null : code);
    });
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseRunArgs(argv);
  const root = process.cwd();
  const scenariosDir = process.env.ZPG_SCENARIOS_DIR || DEFAULT_SCENARIOS_DIR;
  const reportsRoot = path.resolve(root, process.env.ZPG_REPORTS_DIR || 'reports');
  const allFiles = listScenarioFiles(root, scenariosDir);
  if (allFiles.length === 0) throw new UsageError(`no *.test.ts under ${scenariosDir}`);
  const files = selectScenarios(allFiles, args.scenario, root);

  const { runId, dir: reportDir } = makeRunDir(reportsRoot);
  const privacyDir = path.join(reportDir, 'privacy');
  fs.mkdirSync(privacyDir);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-run-'));
  const resultsFile = path.join(scratch, 'reporter-results.json');
  process.stdout.write(
    `run ${runId}: ${files.length} of ${allFiles.length} scenario file${allFiles.length === 1 ? '' : 's'}, seed ${args.seed}; reports in ${shown(reportDir)}/\n`,
  );

  try {
    const config = runJestConfig({ root, scenariosDir, reportDir, resultsFile, reporter: PROGRESS_REPORTER });
    const exitCode = await runJest(['--config', JSON.stringify(config), '--runTestsByPath', ...files.map((f) => path.resolve(root, f))], {
      ...process.env,
      ZPG_SEED: String(args.seed),
      ZPG_PRIVACY_DIR: privacyDir,
      JEST_JUNIT_OUTPUT_DIR: reportDir,
      JEST_JUNIT_OUTPUT_NAME: 'junit.xml',
    });
    if (!fs.existsSync(resultsFile)) {
      process.stderr.write(`the scenario runner ended (${exitCode === null ? 'killed' : `exit ${exitCode}`}) without results; nothing reported in ${shown(reportDir)}\n`);
      return 1;
    }
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as ReporterResults;
    const audit = buildAudit(readVerdictFiles(privacyDir, reportDir), {
      runId,
      seed: args.seed,
      scenarioFiles: files,
      root,
      verdictDir: path.relative(reportDir, privacyDir),
    });
    const summary = summarizeRun(results, audit, { runId, root, seed: args.seed, filter: args.scenario ?? null, scenariosDir, jestExitCode: exitCode });
    writeRunReports(reportDir, summary, audit);
    let latest: string | null = null;
    try {
      latest = shown(updateLatest(reportsRoot, runId));
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
    }
    process.stdout.write(summaryText(summary, audit, { reportDir: shown(reportDir), latest }));
    return summary.exitCode;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
