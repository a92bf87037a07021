/**
 * The Jest reporter behind `npm start` (harness/cli/run.ts). Plain CommonJS: Jest loads reporters
 * with require/import and does not transform them.
 *
 * Live: one line per finished scenario file (✓/✗, counts, wall time, [done/total]), then one line
 * per test with its duration, failure messages under the failed ones. At the end, when the option
 * `resultsFile` is given, it writes the run's results as JSON (the field names of Jest's `--json`
 * where they exist) for the report writer. Why not `--json`: Jest's JSON gives a file that failed
 * outside a test (e.g. a world's stop() in afterAll throwing its privacy verdict) a duration of 0,
 * and prints a stray "Test results written to" line; here each file's time is measured from its
 * start to its result.
 *
 * Options: { resultsFile?: string, color?: boolean }. Output goes to stdout.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const stripAnsi = (s) => String(s).replace(ANSI, '');

/** 120 ms, 1.8 s, 2 min 5 s */
function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}

/** A failure message for the terminal: no node_modules frames, at most `max` lines. */
function trimFailure(message, max = 30) {
  const lines = String(message)
    .split('\n')
    .filter((l) => !/^\s*at .*node_modules/.test(stripAnsi(l)));
  while (lines.length && !stripAnsi(lines[lines.length - 1]).trim()) lines.pop();
  if (lines.length > max) return [...lines.slice(0, max), `… ${lines.length - max} more line(s) in the report`].join('\n');
  return lines.join('\n');
}

const indent = (text, n) =>
  String(text)
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');

/** The part of a file's failure message that no test accounts for (a load error, a hook that threw). */
function fileLevelFailure(testResult) {
  const msg = testResult.failureMessage || '';
  const at = msg.indexOf('● Test suite failed to run');
  if (at !== -1) return msg.slice(at);
  if (testResult.testExecError) {
    const e = testResult.testExecError;
    return e.stack || e.message || String(e);
  }
  return null;
}

function fileFailed(testResult) {
  return testResult.numFailingTests > 0 || Boolean(testResult.testExecError) || Boolean(testResult.failureMessage);
}

class ProgressReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = (globalConfig && globalConfig.rootDir) || process.cwd();
    this.options = options || {};
    this.out = this.options.stream || process.stdout;
    const color = this.options.color ?? (Boolean(this.out.isTTY) && !process.env.NO_COLOR);
    this.paint = color ? (code, s) => `\u001b[${code}m${s}\u001b[0m` : (_code, s) => s;
    this.total = 0;
    this.done = 0;
    this.startedAt = new Map();
    this.files = [];
  }

  write(text) {
    this.out.write(text + '\n');
  }

  rel(p) {
    return path.relative(this.rootDir, p) || p;
  }

  onRunStart(aggregated) {
    this.total = aggregated.numTotalTestSuites;
    this.runStartedAt = Date.now();
    this.write(`running ${this.total} scenario file${this.total === 1 ? '' : 's'}…`);
  }

  onTestFileStart(test) {
    this.startedAt.set(test.path, Date.now());
  }

  onTestStart(test) {
    if (!this.startedAt.has(test.path)) this.startedAt.set(test.path, Date.now());
  }

  onTestFileResult(test, testResult) {
    const now = Date.now();
    const started = this.startedAt.get(test.path) ?? testResult.perfStats?.start ?? now;
    const failed = fileFailed(testResult);
    this.done += 1;
    const counts = [
      `${testResult.numPassingTests} passed`,
      testResult.numFailingTests ? `${testResult.numFailingTests} failed` : null,
      testResult.numPendingTests + testResult.numTodoTests ? `${testResult.numPendingTests + testResult.numTodoTests} skipped` : null,
    ].filter(Boolean);
    const mark = failed ? this.paint(31, '✗') : this.paint(32, '✓');
    this.write(`${mark} ${this.rel(test.path)}  ${counts.join(', ')}  ${formatDuration(now - started)}  [${this.done}/${this.total}]`);
    for (const t of testResult.testResults) {
      const m = t.status === 'passed' ? this.paint(32, '✓') : t.status === 'failed' ? this.paint(31, '✗') : this.paint(33, '○');
      const name = [...t.ancestorTitles, t.title].join(' › ');
      const d = t.status === 'passed' || t.status === 'failed' ? `  (${formatDuration(t.duration)})` : `  (${t.status})`;
      this.write(`    ${m} ${name}${d}`);
      if (t.status === 'failed') for (const f of t.failureMessages) this.write(indent(trimFailure(f), 8));
    }
    const outside = failed ? fileLevelFailure(testResult) : null;
    if (outside) {
      this.write(`    ${this.paint(31, '✗')} outside any test (a hook, or loading the file):`);
      this.write(indent(trimFailure(outside), 8));
    }
    if (failed && testResult.console && testResult.console.length) {
      this.write(`    console output:`);
      for (const entry of testResult.console) this.write(indent(`${entry.type}: ${entry.message}`, 8));
    }

    this.files.push({
      name: test.path,
      status: failed ? 'failed' : 'passed',
      startTime: started,
      endTime: now,
      durationMs: now - started,
      numPassingTests: testResult.numPassingTests,
      numFailingTests: testResult.numFailingTests,
      numPendingTests: testResult.numPendingTests + testResult.numTodoTests,
      message: stripAnsi(testResult.failureMessage || ''),
      execError: outside ? stripAnsi(outside) : null,
      assertionResults: testResult.testResults.map((t) => ({
        ancestorTitles: t.ancestorTitles,
        title: t.title,
        fullName: t.fullName,
        status: t.status,
        duration: t.duration ?? null,
        failureMessages: t.failureMessages.map(stripAnsi),
      })),
    });
  }

  onRunComplete(_contexts, results) {
    if (!this.options.resultsFile) return;
    const out = {
      startTime: this.runStartedAt ?? results.startTime,
      endTime: Date.now(),
      success: results.success,
      numTotalTestSuites: results.numTotalTestSuites,
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests + results.numTodoTests,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      wasInterrupted: results.wasInterrupted,
      testResults: this.files,
    };
    fs.mkdirSync(path.dirname(this.options.resultsFile), { recursive: true });
    fs.writeFileSync(this.options.resultsFile, JSON.stringify(out, null, 2));
  }

  getLastError() {
    return undefined;
  }
}

module.exports = ProgressReporter;
module.exports.formatDuration = formatDuration;
module.exports.trimFailure = trimFailure;
module.exports.stripAnsi = stripAnsi;
