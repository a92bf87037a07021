/**
 * The shapes of a run's reports (`reports/<run-id>/results.json` and `privacy-audit.json`), and
 * of what the progress reporter (harness/cli/progress-reporter.cjs) hands the report writer.
 */
import type { PrivacyFinding, SinkAudit } from '../privacy';

/** What progress-reporter.cjs writes at the end of a Jest run (names follow Jest's `--json`). */
export interface ReporterResults {
  startTime: number;
  endTime: number;
  success: boolean;
  numTotalTestSuites: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  wasInterrupted: boolean;
  testResults: ReporterFile[];
}

export interface ReporterFile {
  /** Absolute path of the test file. */
  name: string;
  status: 'passed' | 'failed';
  startTime: number;
  endTime: number;
  durationMs: number;
  numPassingTests: number;
  numFailingTests: number;
  numPendingTests: number;
  /** Jest's whole failure message for the file (no ANSI). */
  message: string;
  /** The failure no test accounts for: the file did not load, or a hook threw (no ANSI). */
  execError: string | null;
  assertionResults: {
    ancestorTitles: string[];
    title: string;
    fullName: string;
    status: string;
    duration: number | null;
    failureMessages: string[];
  }[];
}

/** One test (the v1 `scenarios` entries of results.json, kept as they were plus `replay`). */
export interface TestSummary {
  /** The scenario file, relative to the project root. */
  file: string;
  name: string;
  /** passed | failed | pending | todo | skipped (Jest's words). */
  status: string;
  durationMs: number | null;
  failure?: string;
  /** For a failed test: the command that replays its file with the run's seed. */
  replay?: string;
}

export interface FileSummary {
  file: string;
  status: 'passed' | 'failed';
  passed: number;
  failed: number;
  skipped: number;
  /** Wall time from the file's start to its result, hooks and world start-up included. */
  durationMs: number;
  /** A failure outside any test (the file did not load; a hook, e.g. a world's stop(), threw). */
  failure?: string;
  /** When the file failed or its worlds leaked: the command that replays it with the run's seed. */
  replay?: string;
  privacy: { verdicts: number; findings: number };
}

export interface PrivacySummary {
  verdicts: number;
  sinks: number;
  bytes: number;
  findings: number;
  /** Verdict files that could not be read: the audit is incomplete. */
  errors: number;
  audit: 'privacy-audit.json';
}

export interface RunSummary {
  runId: string;
  /** Tests passed / failed / skipped (pending + todo). */
  passed: number;
  failed: number;
  skipped: number;
  /** Every test of the run. */
  scenarios: TestSummary[];
  success: boolean;
  /** What `npm start` exits with: 1 when any scenario failed or any privacy finding exists. */
  exitCode: 0 | 1;
  seed: number;
  /** The --scenario filter, if any. */
  filter: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** One row per scenario file, sorted by path. */
  files: FileSummary[];
  /** Files that failed outside any test. */
  brokenFiles: number;
  /** One command per file that failed or leaked. */
  replay: string[];
  privacy: PrivacySummary;
  /** The run's other report files, relative to its directory. */
  reports: { junit: 'junit.xml'; results: 'results.json'; privacyAudit: 'privacy-audit.json'; html: 'report.html' };
}

/** One world's verdict, as written to ZPG_PRIVACY_DIR. */
export interface AuditWorld {
  /** The world's label: the scenario file, and the world's own label in parentheses. */
  label: string;
  /** The scenario file it belongs to (relative to the root), or null when the label names none. */
  scenario: string | null;
  /** The verdict file, relative to the run's report directory. */
  file: string;
  seed: number | null;
  scanMs: number;
  /** The sink table: what was searched where, under which policy, and what was found. */
  sinks: SinkAudit[];
  findings: PrivacyFinding[];
}

export interface AuditFinding extends PrivacyFinding {
  label: string;
  scenario: string | null;
  /** The verdict file it came from. */
  verdict: string;
}

export interface PrivacyAudit {
  runId: string;
  seed: number;
  generatedAt: string;
  /** Where the verdicts were read from, relative to the run's report directory. */
  verdictDir: string;
  totals: { verdicts: number; sinks: number; bytes: number; findings: number; errors: number };
  /** One entry per verdict file, sorted by label then file. */
  worlds: AuditWorld[];
  /** Every finding of every verdict, with the world it came from. */
  findings: AuditFinding[];
  /** Verdict files that could not be read or do not look like a verdict. */
  errors: { file: string; error: string }[];
}
