/**
 * Synthetic inputs for the report writer's tests: what progress-reporter.cjs records for a small
 * run (a passing file, a failing one, one whose world's stop() threw in afterAll) and the verdict
 * files its worlds wrote (a clean one, a leaky one, an unreadable one).
 */
import type { PrivacyVerdict } from '../privacy';
import type { VerdictFile } from '../report/audit';
import type { ReporterFile, ReporterResults } from '../report/types';

export const SAMPLE_ROOT = '/repo';
export const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);

const test = (title: string, status: string, duration: number | null, failure?: string, ancestors: string[] = []) => ({
  ancestorTitles: ancestors,
  title,
  fullName: [...ancestors, title].join(' '),
  status,
  duration,
  failureMessages: failure ? [failure] : [],
});

export const SAMPLE_FAILURE = 'Error: expect(received).toBe(expected)\n\nExpected: "<b>bold</b>"\nReceived: "<script>alert(1)</script>"';

export function sampleResults(): ReporterResults {
  const files: ReporterFile[] = [
    {
      name: `${SAMPLE_ROOT}/scenarios/registration/server-lifecycle.test.ts`,
      status: 'passed',
      startTime: T0,
      endTime: T0 + 1200,
      durationMs: 1200,
      numPassingTests: 2,
      numFailingTests: 0,
      numPendingTests: 0,
      message: '',
      execError: null,
      assertionResults: [test('should register', 'passed', 400, undefined, ['lifecycle']), test('should deactivate', 'passed', 300, undefined, ['lifecycle'])],
    },
    {
      name: `${SAMPLE_ROOT}/scenarios/delivery/removes.test.ts`,
      status: 'failed',
      startTime: T0,
      endTime: T0 + 3400,
      durationMs: 3400,
      numPassingTests: 1,
      numFailingTests: 1,
      numPendingTests: 0,
      message: `  ● removes › should remove\n\n    ${SAMPLE_FAILURE}`,
      execError: null,
      assertionResults: [test('should send', 'passed', 900, undefined, ['removes']), test('should remove', 'failed', 1500, SAMPLE_FAILURE, ['removes'])],
    },
    {
      name: `${SAMPLE_ROOT}/scenarios/delivery/e2ee-messages.test.ts`,
      status: 'failed',
      startTime: T0 + 100,
      endTime: T0 + 2100,
      durationMs: 2000,
      numPassingTests: 1,
      numFailingTests: 0,
      numPendingTests: 1,
      message: '  ● Test suite failed to run\n\n    privacy verdict for scenarios/delivery/e2ee-messages.test.ts: 1 leak(s)',
      execError: '● Test suite failed to run\n\n    privacy verdict for scenarios/delivery/e2ee-messages.test.ts: 1 leak(s)',
      assertionResults: [test('should deliver', 'passed', 700), test('should be skipped', 'pending', null)],
    },
  ];
  return {
    startTime: T0,
    endTime: T0 + 3600,
    success: false,
    numTotalTestSuites: files.length,
    numPassedTests: 4,
    numFailedTests: 1,
    numPendingTests: 1,
    numRuntimeErrorTestSuites: 1,
    wasInterrupted: false,
    testResults: files,
  };
}

const sink = (name: string, bytes: number, findings = 0): PrivacyVerdict['sinks'][number] => ({
  sink: name,
  component: name.split(/[.:]/)[0]!,
  kind: name.endsWith('.log') ? 'log' : 'database',
  bytes,
  policy: name.startsWith('apns') ? 'no content on the E2EE path' : 'no message content, no sender names',
  searched: { content: 4, 'sender-name': 2 },
  findings,
});

export function sampleVerdicts(): VerdictFile[] {
  const clean: PrivacyVerdict = {
    label: 'scenarios/delivery/removes.test.ts',
    seed: 31,
    sinks: [sink('bouncer.log', 12_345), { ...sink('bouncer.sqlite3', 65_536), allowed: { 'secret:zulip-org-key': 2 } }, sink('apns.journal', 2_048)],
    findings: [],
    scanMs: 12,
  };
  const leaky: PrivacyVerdict = {
    label: 'scenarios/delivery/e2ee-messages.test.ts (<i>profile 12</i>)',
    seed: 12,
    sinks: [sink('zulip.log', 4_000, 1), sink('fcm.journal', 1_000)],
    findings: [{ sink: 'zulip.log', location: 'line 42', field: 'msg', kind: 'content', encoding: 'json-escaped', shown: 'zpgc12q3q<…>', subject: 'message 3 (text)', rule: 'no message content' }],
    scanMs: 5,
  };
  return [
    { file: 'privacy/scenarios-delivery-e2ee-messages.test.ts-1.json', text: JSON.stringify(leaky) },
    { file: 'privacy/scenarios-delivery-removes.test.ts-1.json', text: JSON.stringify(clean) },
    { file: 'privacy/truncated-1.json', text: '{"label": "scenarios/delivery/removes.test.ts", "sinks": [' },
  ];
}

export const SAMPLE_FILES = ['scenarios/delivery/e2ee-messages.test.ts', 'scenarios/delivery/removes.test.ts', 'scenarios/registration/server-lifecycle.test.ts'];
