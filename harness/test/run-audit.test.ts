/**
 * privacy-audit.json: every verdict file written to ZPG_PRIVACY_DIR, attributed to its scenario
 * file, nothing merged, unreadable files reported (an audit with errors fails the run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildAudit, readVerdictFiles, scenarioOfLabel } from '../report/audit';
import { tempDir } from '../testing/temp-dir';
import { SAMPLE_FILES, SAMPLE_ROOT, sampleVerdicts } from '../testing/run-samples';

const ctx = { runId: 'r1', seed: 31, scenarioFiles: SAMPLE_FILES, root: SAMPLE_ROOT, verdictDir: 'privacy', generatedAt: '2025-01-31T12:00:04.000Z' };

describe('the privacy audit', () => {
  it('should keep every verdict with its sink table, list every finding and report unreadable files', () => {
    const audit = buildAudit(sampleVerdicts(), ctx);
    expect(audit).toMatchObject({ runId: 'r1', seed: 31, verdictDir: 'privacy', generatedAt: '2025-01-31T12:00:04.000Z' });
    expect(audit.totals).toEqual({ verdicts: 2, sinks: 5, bytes: 84_929, findings: 1, errors: 1 });
    // sorted by label
    expect(audit.worlds.map((w) => [w.label, w.scenario, w.file, w.seed, w.scanMs, w.sinks.length])).toEqual([
      ['scenarios/delivery/e2ee-messages.test.ts (<i>profile 12</i>)', 'scenarios/delivery/e2ee-messages.test.ts', 'privacy/scenarios-delivery-e2ee-messages.test.ts-1.json', 12, 5, 2],
      ['scenarios/delivery/removes.test.ts', 'scenarios/delivery/removes.test.ts', 'privacy/scenarios-delivery-removes.test.ts-1.json', 31, 12, 3],
    ]);
    expect(audit.worlds[1]!.sinks[0]).toEqual({
      sink: 'bouncer.log',
      component: 'bouncer',
      kind: 'log',
      bytes: 12_345,
      policy: 'no message content, no sender names',
      searched: { content: 4, 'sender-name': 2 },
      findings: 0,
    });
    expect(audit.findings).toEqual([
      {
        sink: 'zulip.log',
        location: 'line 42',
        field: 'msg',
        kind: 'content',
        encoding: 'json-escaped',
        shown: 'zpgc12q3q<…>',
        subject: 'message 3 (text)',
        rule: 'no message content',
        label: 'scenarios/delivery/e2ee-messages.test.ts (<i>profile 12</i>)',
        scenario: 'scenarios/delivery/e2ee-messages.test.ts',
        verdict: 'privacy/scenarios-delivery-e2ee-messages.test.ts-1.json',
      },
    ]);
    expect(audit.errors).toEqual([{ file: 'privacy/truncated-1.json', error: expect.stringMatching(/JSON/) }]);
  });

  it('should keep two worlds of one file under the same label apart, and refuse what is not a verdict', () => {
    const verdict = (findings: number) =>
      JSON.stringify({
        label: 'scenarios/delivery/removes.test.ts',
        seed: 31,
        scanMs: 1,
        sinks: [],
        findings: Array.from({ length: findings }, (_, i) => ({ sink: 'bouncer.log', location: `line ${i}`, kind: 'content', encoding: 'raw', shown: 'x' })),
      });
    const audit = buildAudit(
      [
        { file: 'privacy/removes-10.json', text: verdict(1) },
        { file: 'privacy/removes-2.json', text: verdict(2) },
        { file: 'privacy/array.json', text: '[]' },
        { file: 'privacy/no-sinks.json', text: JSON.stringify({ label: 'x', findings: [] }) },
        { file: 'privacy/bad-finding.json', text: JSON.stringify({ label: 'x', sinks: [], findings: ['leak'] }) },
      ],
      ctx,
    );
    expect(audit.worlds.map((w) => [w.file, w.findings.length])).toEqual([
      ['privacy/removes-2.json', 2],
      ['privacy/removes-10.json', 1],
    ]);
    expect(audit.totals.findings).toBe(3);
    expect(audit.errors).toEqual([
      { file: 'privacy/array.json', error: 'not a JSON object' },
      { file: 'privacy/no-sinks.json', error: 'no "sinks" array of objects' },
      { file: 'privacy/bad-finding.json', error: 'no "findings" array of objects' },
    ]);
  });

  it('should attribute labels to scenario files, relative or absolute, with or without a world label', () => {
    const files = ['scenarios/a.test.ts', 'scenarios/ab.test.ts', 'fixtures/run-suite/c.test.ts'];
    expect(scenarioOfLabel('scenarios/a.test.ts', files, '/r')).toBe('scenarios/a.test.ts');
    expect(scenarioOfLabel('scenarios/ab.test.ts (phone 2)', files, '/r')).toBe('scenarios/ab.test.ts');
    expect(scenarioOfLabel('/r/fixtures/run-suite/c.test.ts (x)', files, '/r')).toBe('fixtures/run-suite/c.test.ts');
    expect(scenarioOfLabel('scenarios/a.test.tsx', files, '/r')).toBeNull();
    expect(scenarioOfLabel('world', files, '/r')).toBeNull();
  });

  it('should read every JSON file under the privacy directory in natural order, and nothing when there is none', () => {
    const reportDir = tempDir('zpg-audit-');
    const privacy = path.join(reportDir, 'privacy');
    expect(readVerdictFiles(privacy, reportDir)).toEqual([]);
    fs.mkdirSync(path.join(privacy, 'nested'), { recursive: true });
    fs.writeFileSync(path.join(privacy, 'w-10.json'), '{"n":10}');
    fs.writeFileSync(path.join(privacy, 'w-9.json'), '{"n":9}');
    fs.writeFileSync(path.join(privacy, 'nested', 'v-1.json'), '{"n":1}');
    fs.writeFileSync(path.join(privacy, 'notes.txt'), 'not a verdict');
    expect(readVerdictFiles(privacy, reportDir)).toEqual([
      { file: 'privacy/nested/v-1.json', text: '{"n":1}' },
      { file: 'privacy/w-9.json', text: '{"n":9}' },
      { file: 'privacy/w-10.json', text: '{"n":10}' },
    ]);
  });
});
