/**
 * `npm start` end to end, in a child process (`npx tsx harness/cli/main.ts run`) with its own
 * reports directory (ZPG_REPORTS_DIR): a real scenario that passes (its world's privacy verdict
 * reaches the audit through ZPG_PRIVACY_DIR); the fixtures in
 * fixtures/run-suite (ZPG_SCENARIOS_DIR) for a failing test and for a leak in a passing one;
 * a filter that matches nothing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir';
import type { PrivacyAudit, RunSummary } from '../report/types';

const ROOT = path.resolve(__dirname, '../..');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npmStart(args: string[], env: Record<string, string>): Promise<Ran> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', ...env };
  delete childEnv.JEST_WORKER_ID;
  delete childEnv.ZPG_SEED;
  const child = spawn('npx', ['tsx', 'harness/cli/main.ts', 'run', ...args], { cwd: ROOT, env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

describe('npm start', () => {
  it('should run a passing scenario, write every report and exit 0', async () => {
    const reports = tempDir('zpg-run-');
    const scenario = 'scenarios/registration/secrets-file.test.ts';
    const ran = await npmStart(['--scenario', scenario], { ZPG_REPORTS_DIR: reports });
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: expect.any(String) });

    const latest = path.join(reports, 'latest');
    const runId = fs.readlinkSync(latest);
    const dir = path.join(reports, runId);
    expect(fs.readdirSync(dir).sort()).toEqual(['junit.xml', 'privacy', 'privacy-audit.json', 'report.html', 'results.json']);

    // live progress, the summary, the reports' path, CI's verdict line last
    expect(ran.stdout).toContain(`run ${runId}: 1 of `);
    expect(ran.stdout).toMatch(/^✓ scenarios\/registration\/secrets-file\.test\.ts {2}2 passed {2}.+ {2}\[1\/1\]$/m);
    expect(ran.stdout).toMatch(/^ {4}✓ should keep the credentials in zulip-secrets\.conf, readable by its owner only {2}\([\d.]+ m?s\)$/m);
    expect(ran.stdout).toMatch(/^✓ {2}scenarios\/registration\/secrets-file\.test\.ts +2 +0 +0 +\S+ m?s +0 findings \(\d+ verdicts?\)$/m);
    expect(ran.stdout).toContain(`reports: ${dir}/ (junit.xml, results.json, privacy-audit.json, report.html); ${latest} points there`);
    expect(lastLine(ran.stdout)).toBe('2 passed, 0 failed');

    const results = readJson<RunSummary>(path.join(dir, 'results.json'));
    expect(results).toMatchObject({ runId, passed: 2, failed: 0, skipped: 0, seed: 1, filter: scenario, success: true, exitCode: 0, replay: [] });
    expect(results.files).toEqual([
      { file: scenario, status: 'passed', passed: 2, failed: 0, skipped: 0, durationMs: expect.any(Number), privacy: { verdicts: expect.any(Number), findings: 0 } },
    ]);
    expect(results.files[0]!.durationMs).toBeGreaterThan(0);
    expect(results.scenarios.map((t) => [t.file, t.status])).toEqual([
      [scenario, 'passed'],
      [scenario, 'passed'],
    ]);
    // the world's verdict, written by harness/privacy into the run's privacy directory
    const audit = readJson<PrivacyAudit>(path.join(dir, 'privacy-audit.json'));
    expect(audit).toMatchObject({ runId, seed: 1, verdictDir: 'privacy', totals: { findings: 0, errors: 0 } });
    expect(audit.worlds.length).toBeGreaterThanOrEqual(1);
    expect(audit.worlds.every((w) => w.scenario === scenario && w.file.startsWith('privacy/') && w.sinks.length > 0)).toBe(true);
    expect(results.files[0]!.privacy.verdicts).toBe(audit.worlds.length);

    const junit = fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain(`<testsuite name="${scenario}"`);
    expect(junit).toContain('<testsuite name="privacy audit" errors="0" failures="0"');
    expect(junit).toMatch(/<testsuites [^>]*failures="0"/);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('data-testid="status">PASSED<');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  }, 120_000);

  it('should fail a run with a failing test, print its replay command and report it', async () => {
    const reports = tempDir('zpg-run-');
    const ran = await npmStart(['--scenario', 'fail', '--seed', '7'], { ZPG_REPORTS_DIR: reports, ZPG_SCENARIOS_DIR: 'fixtures/run-suite' });
    const replay = 'ZPG_SCENARIOS_DIR=fixtures/run-suite npm start -- --scenario fixtures/run-suite/failing.test.ts --seed 7';
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^✗ fixtures\/run-suite\/failing\.test\.ts {2}1 passed, 1 failed {2}/m);
    expect(ran.stdout).toContain('    ✗ should fail <on purpose>  (');
    expect(ran.stdout).toContain('Received: "<script>alert(\\"not escaped\\")</script>"');
    expect(ran.stdout).toContain(`replay with:\n  ${replay}\n`);
    expect(lastLine(ran.stdout)).toBe('1 passed, 1 failed');

    const dir = path.join(reports, fs.readlinkSync(path.join(reports, 'latest')));
    const results = readJson<RunSummary>(path.join(dir, 'results.json'));
    expect(results).toMatchObject({ passed: 1, failed: 1, seed: 7, success: false, exitCode: 1, replay: [replay] });
    expect(results.scenarios.find((t) => t.status === 'failed')).toMatchObject({ name: 'should fail <on purpose>', replay });
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain(`<code class="replay">${replay}</code>`);
    expect(html).toContain('&lt;script&gt;alert(\\&quot;not escaped\\&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  }, 120_000);

  it('should fail a run whose tests pass when a privacy verdict has a finding', async () => {
    const reports = tempDir('zpg-run-');
    const ran = await npmStart(['--scenario', 'leaky', '--seed', '7'], { ZPG_REPORTS_DIR: reports, ZPG_SCENARIOS_DIR: 'fixtures/run-suite' });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^✓ fixtures\/run-suite\/leaky\.test\.ts {2}1 passed {2}/m);
    expect(ran.stdout).toMatch(/^✗ {2}fixtures\/run-suite\/leaky\.test\.ts +1 +0 +0 +\S+ m?s +1 finding \(1 verdict\)$/m);
    expect(ran.stdout).toContain('privacy audit: 1 verdict, 2 sinks searched, 1 finding');
    expect(ran.stdout).toContain('  ✗ fixtures/run-suite/leaky.test.ts (leaky world): content in bouncer.log at line 7 (msg) [raw]: zpgc…q1q…');
    expect(ran.stdout).toContain('ZPG_SCENARIOS_DIR=fixtures/run-suite npm start -- --scenario fixtures/run-suite/leaky.test.ts --seed 7');
    expect(lastLine(ran.stdout)).toBe('1 passed, 1 failed');

    const dir = path.join(reports, fs.readlinkSync(path.join(reports, 'latest')));
    const audit = readJson<PrivacyAudit>(path.join(dir, 'privacy-audit.json'));
    expect(audit.worlds).toEqual([
      expect.objectContaining({ label: 'fixtures/run-suite/leaky.test.ts (leaky world)', scenario: 'fixtures/run-suite/leaky.test.ts', seed: 7, file: 'privacy/fixtures-run-suite-leaky.test.ts-leaky-world-1.json' }),
    ]);
    expect(audit.findings).toEqual([expect.objectContaining({ sink: 'bouncer.log', kind: 'content', scenario: 'fixtures/run-suite/leaky.test.ts' })]);
    expect(readJson<RunSummary>(path.join(dir, 'results.json'))).toMatchObject({ passed: 1, failed: 0, exitCode: 1, privacy: { verdicts: 1, findings: 1 } });
    expect(fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toContain('<testsuite name="privacy audit" errors="0" failures="1"');
  }, 120_000);

  it('should refuse a --scenario that matches nothing, with the list of scenarios, before running anything', async () => {
    const reports = tempDir('zpg-run-');
    const ran = await npmStart(['--scenario', 'no-such-scenario'], { ZPG_REPORTS_DIR: reports });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('no scenario matches "no-such-scenario"; the scenarios are:\n  scenarios/');
    expect(ran.stderr).toContain('usage:');
    expect(ran.stdout).toBe('');
    expect(fs.readdirSync(reports)).toEqual([]);
  }, 60_000);
});
