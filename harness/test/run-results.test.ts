/**
 * results.json (summarizeRun), the replay commands, CI's verdict line, the JUnit privacy suite
 * and the terminal summary, from synthetic reporter results and verdicts.
 */
import { buildAudit } from '../report/audit';
import { addPrivacySuite, privacySuiteXml } from '../report/junit';
import { replayCommand, shellQuote, summarizeRun, verdictLine, type RunContext } from '../report/results';
import { summaryText } from '../report/text';
import type { ReporterResults } from '../report/types';
import { SAMPLE_FILES, SAMPLE_ROOT, T0, sampleResults, sampleVerdicts } from '../testing/run-samples';

const ctx: RunContext = { runId: 'r1', root: SAMPLE_ROOT, seed: 31, filter: null, scenariosDir: 'scenarios', jestExitCode: 1 };
const auditOf = (verdicts = sampleVerdicts()) =>
  buildAudit(verdicts, { runId: 'r1', seed: 31, scenarioFiles: SAMPLE_FILES, root: SAMPLE_ROOT, verdictDir: 'privacy', generatedAt: '2025-01-31T12:00:04.000Z' });

/** The sample run with only its passing file and its clean verdict. */
function greenRun(): { results: ReporterResults; audit: ReturnType<typeof auditOf> } {
  const results = sampleResults();
  results.testResults = results.testResults.filter((f) => f.status === 'passed');
  results.numRuntimeErrorTestSuites = 0;
  const audit = auditOf(sampleVerdicts().filter((v) => v.file.includes('removes')));
  return { results, audit };
}

describe('summarizeRun', () => {
  it('should keep the v1 fields and add files, durations, seed, replays and the privacy summary', () => {
    const s = summarizeRun(sampleResults(), auditOf(), ctx);
    expect(s).toMatchObject({ runId: 'r1', passed: 4, failed: 1, skipped: 1, seed: 31, filter: null, success: false, exitCode: 1, brokenFiles: 1 });
    expect(s.startedAt).toBe(new Date(T0).toISOString());
    expect(s.durationMs).toBe(3600);
    expect(s.scenarios).toHaveLength(6);
    expect(s.scenarios.find((t) => t.status === 'failed')).toEqual({
      file: 'scenarios/delivery/removes.test.ts',
      name: 'removes should remove',
      status: 'failed',
      durationMs: 1500,
      failure: expect.stringContaining('<script>'),
      replay: 'npm start -- --scenario scenarios/delivery/removes.test.ts --seed 31',
    });
    expect(s.scenarios.find((t) => t.status === 'passed')).not.toHaveProperty('replay');

    // one row per file, sorted by path, with its wall time and its worlds' verdicts
    expect(s.files.map((f) => [f.file, f.status, f.passed, f.failed, f.skipped, f.durationMs, f.privacy])).toEqual([
      ['scenarios/delivery/e2ee-messages.test.ts', 'failed', 1, 0, 1, 2000, { verdicts: 1, findings: 1 }],
      ['scenarios/delivery/removes.test.ts', 'failed', 1, 1, 0, 3400, { verdicts: 1, findings: 0 }],
      ['scenarios/registration/server-lifecycle.test.ts', 'passed', 2, 0, 0, 1200, { verdicts: 0, findings: 0 }],
    ]);
    // the failure no test accounts for (a world's stop() throwing in afterAll) stays on the file
    expect(s.files[0]!.failure).toContain('Test suite failed to run');
    expect(s.files[1]).not.toHaveProperty('failure');
    expect(s.replay).toEqual([
      'npm start -- --scenario scenarios/delivery/e2ee-messages.test.ts --seed 31',
      'npm start -- --scenario scenarios/delivery/removes.test.ts --seed 31',
    ]);
    expect(s.privacy).toEqual({ verdicts: 2, sinks: 5, bytes: 84_929, findings: 1, errors: 1, audit: 'privacy-audit.json' });
    expect(s.reports).toEqual({ junit: 'junit.xml', results: 'results.json', privacyAudit: 'privacy-audit.json', html: 'report.html' });
  });

  it('should pass a green run and fail it on a privacy finding alone, replaying the leaky file', () => {
    const { results, audit } = greenRun();
    const green = summarizeRun(results, audit, { ...ctx, jestExitCode: 0 });
    expect(green).toMatchObject({ success: true, exitCode: 0, passed: 2, failed: 0, replay: [] });
    expect(verdictLine(green, audit)).toBe('2 passed, 0 failed');

    const leak = auditOf([
      {
        file: 'privacy/x-1.json',
        text: JSON.stringify({ label: 'scenarios/registration/server-lifecycle.test.ts', seed: 1, scanMs: 1, sinks: [], findings: [{ sink: 's', location: 'l', kind: 'content', encoding: 'raw', shown: 'zp…' }] }),
      },
    ]);
    const leaky = summarizeRun(results, leak, { ...ctx, jestExitCode: 0 });
    expect(leaky).toMatchObject({ success: false, exitCode: 1, failed: 0 });
    expect(leaky.files[0]).toMatchObject({ status: 'passed', privacy: { verdicts: 1, findings: 1 }, replay: expect.stringContaining('server-lifecycle') });
    expect(verdictLine(leaky, leak)).toBe('2 passed, 1 failed');
  });

  it('should fail on an unreadable verdict, on Jest exiting non-zero and on an interrupted run', () => {
    const { results, audit } = greenRun();
    const unreadable = auditOf([{ file: 'privacy/bad.json', text: 'nope' }]);
    expect(summarizeRun(results, unreadable, { ...ctx, jestExitCode: 0 }).exitCode).toBe(1);
    const jestFailed = summarizeRun(results, audit, { ...ctx, jestExitCode: 1 });
    expect(jestFailed.exitCode).toBe(1);
    expect(verdictLine(jestFailed, audit)).toBe('2 passed, 1 failed');
    expect(summarizeRun({ ...results, wasInterrupted: true }, audit, { ...ctx, jestExitCode: 0 }).exitCode).toBe(1);
    expect(summarizeRun(results, audit, { ...ctx, jestExitCode: null }).exitCode).toBe(1);
  });

  it('should count failed tests, broken files and leaky or unreadable verdicts in the verdict line', () => {
    const audit = auditOf();
    // 1 failed test + 1 file failing outside a test + 1 leaky verdict + 1 unreadable verdict
    expect(verdictLine(summarizeRun(sampleResults(), audit, ctx), audit)).toBe('4 passed, 4 failed, 1 skipped');
  });
});

describe('replay commands', () => {
  it('should name the file and the seed, and the scenario directory when it is not the default', () => {
    expect(replayCommand('scenarios/delivery/removes.test.ts', 1)).toBe('npm start -- --scenario scenarios/delivery/removes.test.ts --seed 1');
    expect(replayCommand('fixtures/run-suite/failing.test.ts', -3, 'fixtures/run-suite')).toBe(
      'ZPG_SCENARIOS_DIR=fixtures/run-suite npm start -- --scenario fixtures/run-suite/failing.test.ts --seed -3',
    );
    expect(replayCommand("scenarios/it's here.test.ts", 2)).toBe(`npm start -- --scenario 'scenarios/it'\\''s here.test.ts' --seed 2`);
    expect(shellQuote('$(rm -rf ~)')).toBe(`'$(rm -rf ~)'`);
  });
});

describe('junit.xml', () => {
  const jestJunit = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="1" errors="0" time="1.2">
  <testsuite name="scenarios/a.test.ts" errors="0" failures="1" skipped="0" tests="3">
  </testsuite>
</testsuites>`;

  it('should add a privacy audit suite: a case per verdict, failed with its findings, and a failed case per unreadable file', () => {
    const out = addPrivacySuite(jestJunit, auditOf());
    expect(out).toContain('<testsuites name="jest tests" tests="6" failures="3" errors="0" time="1.2">');
    expect(out).toContain('<testsuite name="privacy audit" errors="0" failures="2" skipped="0" tests="3"');
    expect(out).toContain('name="privacy verdict: scenarios/delivery/e2ee-messages.test.ts (&lt;i&gt;profile 12&lt;/i&gt;) (privacy/scenarios-delivery-e2ee-messages.test.ts-1.json)"');
    expect(out).toContain('content in zulip.log at line 42 (msg) [json-escaped]: zpgc12q3q&lt;…&gt;</failure>');
    expect(out).toContain('name="unreadable verdict: privacy/truncated-1.json"');
    expect(out.indexOf('name="privacy audit"')).toBeLessThan(out.lastIndexOf('</testsuites>'));
    expect(out.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  it('should leave the XML alone when there is no verdict, or when it is not jest-junit output', () => {
    expect(privacySuiteXml(auditOf([]))).toBeNull();
    expect(addPrivacySuite(jestJunit, auditOf([]))).toBe(jestJunit);
    expect(addPrivacySuite('<oops/>', auditOf())).toBe('<oops/>');
  });
});

describe('the terminal summary', () => {
  it('should print a row per file, the audit, the replay commands, the reports and end with the verdict line', () => {
    const audit = auditOf();
    const text = summaryText(summarizeRun(sampleResults(), audit, ctx), audit, { reportDir: 'reports/r1', latest: 'reports/latest' });
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('4 passed, 4 failed, 1 skipped');
    expect(text).toMatch(/✗ {2}scenarios\/delivery\/e2ee-messages\.test\.ts +1 +0 +1 +2\.0 s +1 finding \(1 verdict\)/);
    expect(text).toMatch(/✗ {2}scenarios\/delivery\/removes\.test\.ts +1 +1 +0 +3\.4 s +0 findings \(1 verdict\)/);
    expect(text).toMatch(/✓ {2}scenarios\/registration\/server-lifecycle\.test\.ts +2 +0 +0 +1\.2 s +no verdict/);
    expect(text).toMatch(/✗ {2}total: 3 files +4 +1 +1 +3\.6 s +1 finding \(2 verdicts\)/);
    expect(text).toContain('privacy audit: 2 verdicts, 5 sinks searched, 1 finding, 1 unreadable verdict file');
    expect(text).toContain('  ✗ scenarios/delivery/e2ee-messages.test.ts (<i>profile 12</i>): content in zulip.log at line 42 (msg) [json-escaped]: zpgc12q3q<…>');
    expect(text).toContain('  npm start -- --scenario scenarios/delivery/removes.test.ts --seed 31\n');
    expect(text).toContain('reports: reports/r1/ (junit.xml, results.json, privacy-audit.json, report.html); reports/latest points there');
  });
});
