/**
 * `npm start`: runs the scenario suite (Jest over scenarios/) and writes
 * `reports/<run-id>/` (junit.xml, results.json) with `reports/latest` pointing at it.
 * Exits non-zero when any scenario fails.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

interface JestJson {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { name: string; status: string; assertionResults: { fullName: string; status: string; duration?: number | null; failureMessages: string[] }[] }[];
}

export function run(argv: string[]): number {
  const root = process.cwd();
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const reportDir = path.join(root, 'reports', runId);
  fs.mkdirSync(reportDir, { recursive: true });
  const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
  const rawResults = path.join(reportDir, 'jest-results.json');

  const result = spawnSync(
    process.execPath,
    [jestBin, '--roots', '<rootDir>/scenarios', '--json', '--outputFile', rawResults, ...argv],
    {
      stdio: 'inherit',
      env: { ...process.env, JEST_JUNIT_OUTPUT_DIR: reportDir, JEST_JUNIT_OUTPUT_NAME: 'junit.xml' },
    },
  );

  if (!fs.existsSync(rawResults)) {
    process.stderr.write(`the scenario runner wrote no results (exit ${result.status})\n`);
    return 1;
  }
  const jest = JSON.parse(fs.readFileSync(rawResults, 'utf8')) as JestJson;
  const scenarios = jest.testResults.flatMap((file) =>
    file.assertionResults.map((a) => ({
      file: path.relative(root, file.name),
      name: a.fullName,
      status: a.status,
      durationMs: a.duration ?? null,
      failure: a.failureMessages.join('\n') || undefined,
    })),
  );
  const summary = {
    runId,
    passed: jest.numPassedTests,
    failed: jest.numFailedTests,
    skipped: jest.numPendingTests,
    scenarios,
  };
  fs.writeFileSync(path.join(reportDir, 'results.json'), JSON.stringify(summary, null, 2));
  const latest = path.join(root, 'reports', 'latest');
  fs.rmSync(latest, { force: true });
  fs.symlinkSync(runId, latest);

  process.stdout.write(
    `\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped\n` +
      `reports: ${path.relative(root, reportDir)}/ (junit.xml, results.json); reports/latest points there\n`,
  );
  return jest.success && summary.failed === 0 ? 0 : 1;
}
