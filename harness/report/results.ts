/**
 * `results.json`: the run's tests, files, seed, replay commands and privacy summary, from what
 * the progress reporter recorded and the privacy audit. Pure: the CLI does the I/O.
 */
import path from 'node:path';
import type { FileSummary, PrivacyAudit, ReporterResults, RunSummary, TestSummary } from './types';

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
/** A word for a POSIX shell. */
export const shellQuote = (s: string) => (SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export const DEFAULT_SCENARIOS_DIR = 'scenarios';

/** The one command that replays a scenario file with the run's seed. */
export function replayCommand(file: string, seed: number, scenariosDir: string = DEFAULT_SCENARIOS_DIR): string {
  const env = scenariosDir === DEFAULT_SCENARIOS_DIR ? '' : `ZPG_SCENARIOS_DIR=${shellQuote(scenariosDir)} `;
  return `${env}npm start -- --scenario ${shellQuote(file)} --seed ${seed}`;
}

export interface RunContext {
  runId: string;
  root: string;
  seed: number;
  filter: string | null;
  /** As the user gave it (relative to root unless absolute); replay commands repeat it. */
  scenariosDir: string;
  /** Jest's exit status: non-zero with results that look green still fails the run. */
  jestExitCode: number | null;
}

export function summarizeRun(results: ReporterResults, audit: PrivacyAudit, ctx: RunContext): RunSummary {
  const rel = (p: string) => (path.isAbsolute(p) ? path.relative(ctx.root, p) : p);
  const sorted = [...results.testResults].sort((a, b) => rel(a.name).localeCompare(rel(b.name)));

  const scenarios: TestSummary[] = [];
  const files: FileSummary[] = sorted.map((f) => {
    const file = rel(f.name);
    const worlds = audit.worlds.filter((w) => w.scenario === file);
    const findings = worlds.reduce((n, w) => n + w.findings.length, 0);
    // Failed, or passed with a leak: either way, the command that reproduces it.
    const replay = f.status === 'failed' || findings > 0 ? replayCommand(file, ctx.seed, ctx.scenariosDir) : undefined;
    for (const t of f.assertionResults) {
      scenarios.push({
        file,
        name: t.fullName,
        status: t.status,
        durationMs: t.duration,
        failure: t.failureMessages.join('\n') || undefined,
        ...(t.status === 'failed' ? { replay: replayCommand(file, ctx.seed, ctx.scenariosDir) } : {}),
      });
    }
    return {
      file,
      status: f.status,
      passed: f.assertionResults.filter((t) => t.status === 'passed').length,
      failed: f.assertionResults.filter((t) => t.status === 'failed').length,
      skipped: f.assertionResults.filter((t) => t.status !== 'passed' && t.status !== 'failed').length,
      durationMs: f.durationMs,
      ...(f.execError ? { failure: f.execError } : f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed') ? { failure: f.message } : {}),
      ...(replay ? { replay } : {}),
      privacy: { verdicts: worlds.length, findings },
    };
  });

  const passed = scenarios.filter((t) => t.status === 'passed').length;
  const failed = scenarios.filter((t) => t.status === 'failed').length;
  const skipped = scenarios.length - passed - failed;
  const brokenFiles = files.filter((f) => f.status === 'failed' && f.failed === 0).length;
  const success =
    files.every((f) => f.status === 'passed') &&
    failed === 0 &&
    !results.wasInterrupted &&
    results.numRuntimeErrorTestSuites === 0 &&
    ctx.jestExitCode === 0 &&
    audit.totals.findings === 0 &&
    audit.totals.errors === 0;

  return {
    runId: ctx.runId,
    passed,
    failed,
    skipped,
    scenarios,
    success,
    exitCode: success ? 0 : 1,
    seed: ctx.seed,
    filter: ctx.filter,
    startedAt: new Date(results.startTime).toISOString(),
    finishedAt: new Date(results.endTime).toISOString(),
    durationMs: results.endTime - results.startTime,
    files,
    brokenFiles,
    replay: files.flatMap((f) => (f.replay ? [f.replay] : [])),
    privacy: {
      verdicts: audit.totals.verdicts,
      sinks: audit.totals.sinks,
      bytes: audit.totals.bytes,
      findings: audit.totals.findings,
      errors: audit.totals.errors,
      audit: 'privacy-audit.json',
    },
    reports: { junit: 'junit.xml', results: 'results.json', privacyAudit: 'privacy-audit.json', html: 'report.html' },
  };
}

/**
 * The closing line CI reads (toolchain-notes.md): `N passed, N failed`. Failed counts failed tests,
 * files that failed outside any test, and each privacy verdict with findings or unreadable.
 */
export function verdictLine(summary: RunSummary, audit: PrivacyAudit): string {
  const leaky = audit.worlds.filter((w) => w.findings.length > 0).length + audit.errors.length;
  // A run that fails never reads as `0 failed` (e.g. Jest itself exited non-zero).
  const failed = Math.max(summary.failed + summary.brokenFiles + leaky, summary.exitCode);
  return `${summary.passed} passed, ${failed} failed` + (summary.skipped ? `, ${summary.skipped} skipped` : '');
}
