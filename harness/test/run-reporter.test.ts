/**
 * progress-reporter.cjs, driven through Jest's reporter hooks with synthetic results: a line per
 * finished file and per test, failures under them, and the results file for the report writer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir';
import type { ReporterResults } from '../report/types';

interface ReporterModule {
  new (globalConfig: { rootDir: string }, options: { resultsFile?: string; color?: boolean; stream?: { write(s: string): void } }): {
    onRunStart(aggregated: { numTotalTestSuites: number }): void;
    onTestFileStart(test: { path: string }): void;
    onTestFileResult(test: { path: string }, result: unknown): void;
    onRunComplete(contexts: unknown, results: unknown): void;
  };
  formatDuration(ms: number | null): string;
  trimFailure(message: string, max?: number): string;
}
const Reporter = require('../cli/progress-reporter.cjs') as ReporterModule;

const assertion = (title: string, status: string, duration: number | null, failureMessages: string[] = [], ancestorTitles = ['suite']) => ({
  ancestorTitles,
  title,
  fullName: [...ancestorTitles, title].join(' '),
  status,
  duration,
  failureMessages,
});

const fileResult = (over: Record<string, unknown>) => ({
  numPassingTests: 0,
  numFailingTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  testResults: [],
  failureMessage: null,
  testExecError: undefined,
  console: undefined,
  perfStats: { start: 0, end: 0 },
  ...over,
});

describe('the progress reporter', () => {
  it('should print each file and test as it finishes, failures under them, and write the results file', () => {
    const dir = tempDir('zpg-reporter-');
    const resultsFile = path.join(dir, 'out', 'results.json');
    let out = '';
    const r = new Reporter({ rootDir: '/repo' }, { resultsFile, color: false, stream: { write: (s: string) => (out += s) } });

    r.onRunStart({ numTotalTestSuites: 2 });
    r.onTestFileStart({ path: '/repo/scenarios/a.test.ts' });
    r.onTestFileStart({ path: '/repo/scenarios/b.test.ts' });
    r.onTestFileResult(
      { path: '/repo/scenarios/a.test.ts' },
      fileResult({ numPassingTests: 2, numPendingTests: 1, testResults: [assertion('one', 'passed', 12), assertion('two', 'passed', 1500), assertion('three', 'pending', null)] }),
    );
    const failure = 'Error: \u001b[31mboom\u001b[39m\n    at Object.<anonymous> (/repo/scenarios/b.test.ts:3:9)\n    at run (/repo/node_modules/jest-circus/build/x.js:1:1)';
    r.onTestFileResult(
      { path: '/repo/scenarios/b.test.ts' },
      fileResult({
        numPassingTests: 1,
        numFailingTests: 1,
        testResults: [assertion('ok', 'passed', 3, [], []), assertion('bad', 'failed', 40, [failure], [])],
        failureMessage: `  ● bad\n\n    ${failure}\n\n  ● Test suite failed to run\n\n    privacy verdict for scenarios/b.test.ts: 1 leak(s)`,
        testExecError: { message: 'privacy verdict for scenarios/b.test.ts: 1 leak(s)', stack: 'Error: privacy verdict…' },
        console: [{ type: 'log', message: 'hello from b' }],
      }),
    );
    r.onRunComplete(new Set(), { startTime: 1, success: false, numTotalTestSuites: 2, numPassedTests: 3, numFailedTests: 1, numPendingTests: 1, numTodoTests: 0, numRuntimeErrorTestSuites: 1, wasInterrupted: false });

    const lines = out.split('\n');
    expect(lines[0]).toBe('running 2 scenario files…');
    expect(lines[1]).toMatch(/^✓ scenarios\/a\.test\.ts {2}2 passed, 1 skipped {2}\d+ ms {2}\[1\/2\]$/);
    expect(lines[2]).toBe('    ✓ suite › one  (12 ms)');
    expect(lines[3]).toBe('    ✓ suite › two  (1.5 s)');
    expect(lines[4]).toBe('    ○ suite › three  (pending)');
    expect(lines[5]).toMatch(/^✗ scenarios\/b\.test\.ts {2}1 passed, 1 failed {2}\d+ ms {2}\[2\/2\]$/);
    expect(lines[6]).toBe('    ✓ ok  (3 ms)');
    expect(lines[7]).toBe('    ✗ bad  (40 ms)');
    expect(out).toContain('        Error: \u001b[31mboom\u001b[39m\n            at Object.<anonymous> (/repo/scenarios/b.test.ts:3:9)\n');
    expect(out).not.toContain('node_modules/jest-circus');
    expect(out).toContain('    ✗ outside any test (a hook, or loading the file):\n        ● Test suite failed to run\n\n            privacy verdict for scenarios/b.test.ts: 1 leak(s)');
    expect(out).toContain('    console output:\n        log: hello from b');

    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as ReporterResults;
    expect(results).toMatchObject({ success: false, numPassedTests: 3, numFailedTests: 1, numPendingTests: 1, numRuntimeErrorTestSuites: 1, wasInterrupted: false });
    expect(results.testResults.map((f) => [f.name, f.status, f.numPassingTests, f.numFailingTests, f.numPendingTests])).toEqual([
      ['/repo/scenarios/a.test.ts', 'passed', 2, 0, 1],
      ['/repo/scenarios/b.test.ts', 'failed', 1, 1, 0],
    ]);
    const b = results.testResults[1]!;
    expect(b.durationMs).toBe(b.endTime - b.startTime);
    expect(b.durationMs).toBeGreaterThanOrEqual(0);
    expect(b.execError).toBe('● Test suite failed to run\n\n    privacy verdict for scenarios/b.test.ts: 1 leak(s)');
    // no ANSI in what gets reported
    expect(b.assertionResults[1]!.failureMessages[0]).toContain('Error: boom\n');
    expect(results.testResults[0]!.execError).toBeNull();
  });

  it('should format durations and trim long failures', () => {
    expect([Reporter.formatDuration(null), Reporter.formatDuration(999), Reporter.formatDuration(1849), Reporter.formatDuration(125_000)]).toEqual(['—', '999 ms', '1.8 s', '2 min 5 s']);
    const long = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const trimmed = Reporter.trimFailure(long, 10).split('\n');
    expect(trimmed).toHaveLength(11);
    expect(trimmed.at(-1)).toBe('… 40 more line(s) in the report');
  });
});
