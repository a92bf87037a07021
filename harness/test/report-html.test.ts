/**
 * report.html in a real Chromium (harness/browser.ts, file:// URL): the summary numbers, the
 * timings chart, the privacy audit rows, the failures with their replay commands, escaping, and
 * that the page loads nothing but itself. Writes reports/report-html/{report.html,report.png}.
 *
 * No skipping: without a Chromium this fails with harness/browser.ts's BROWSER_HELP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { BROWSER_HELP, launchBrowser } from '../browser';
import { buildAudit } from '../report/audit';
import { writeReportHtml } from '../report/html';
import { summarizeRun } from '../report/results';
import { SAMPLE_FILES, SAMPLE_ROOT, sampleResults, sampleVerdicts } from '../testing/run-samples';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(process.env.ZPG_REPORTS_DIR ? path.resolve(ROOT, process.env.ZPG_REPORTS_DIR) : path.join(ROOT, 'reports'), 'report-html');

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

describe('report.html', () => {
  it('should render the summary, the timings, the audit table and the failures offline in Chromium', async () => {
    const audit = buildAudit(sampleVerdicts(), { runId: 'run-html', seed: 31, scenarioFiles: SAMPLE_FILES, root: SAMPLE_ROOT, verdictDir: 'privacy', generatedAt: '2025-01-31T12:00:04.000Z' });
    const summary = summarizeRun(sampleResults(), audit, { runId: 'run-html', root: SAMPLE_ROOT, seed: 31, filter: 'delivery', scenariosDir: 'scenarios', jestExitCode: 1 });
    fs.mkdirSync(OUT, { recursive: true });
    const file = writeReportHtml(OUT, summary, audit);

    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);

    const text = (selector: string) => page.locator(selector).first().textContent();
    // summary numbers
    expect(await text('[data-testid=status]')).toBe('FAILED');
    expect(await text('[data-testid=passed]')).toBe('4');
    expect(await text('[data-testid=failed]')).toBe('1');
    expect(await text('[data-testid=skipped]')).toBe('1');
    expect(await text('[data-testid=files]')).toBe('3');
    expect(await text('[data-testid=files-failed]')).toBe('2');
    expect(await text('[data-testid=privacy-findings]')).toBe('1');
    expect(await text('[data-testid=privacy-verdicts]')).toBe('2');
    expect(await text('[data-testid=seed]')).toBe('31');
    expect(await text('[data-testid=audit-totals]')).toContain('1 unreadable verdict file');

    // one bar per scenario file, longest first
    const bars = page.locator('#timings svg g.bar');
    expect(await bars.count()).toBe(3);
    expect(await bars.first().getAttribute('data-file')).toBe('scenarios/delivery/removes.test.ts');
    expect(await page.locator('#timings svg rect.failed').count()).toBe(2);

    // the scenario table
    const scenarioRows = page.locator('#scenario-table tbody tr');
    expect(await scenarioRows.count()).toBe(3);
    expect((await scenarioRows.nth(1).locator('td').allTextContents()).map((s) => s.trim())).toEqual([
      '✗ scenarios/delivery/removes.test.ts',
      '1',
      '1',
      '0',
      '3.4 s',
      '0 in 1 verdict',
    ]);

    // the audit: one header row per verdict, one row per sink, labels escaped
    expect(await page.locator('#audit-table tr.world').count()).toBe(2);
    const sinkRows = page.locator('#audit-table tr.sink');
    expect(await sinkRows.count()).toBe(5);
    expect((await sinkRows.first().locator('td').allTextContents()).map((s) => s.trim())).toEqual([
      'zulip.log',
      'zulip',
      'log',
      '3.9 KiB',
      'no message content, no sender names',
      '6 needlescontent 4, sender-name 2',
      '—',
      '1',
    ]);
    expect((await sinkRows.nth(3).locator('td').allTextContents())[6]).toBe('secret:zulip-org-key 2');
    expect(await page.locator('#audit-table tr.sink.leak').count()).toBe(1);
    expect(await text('#audit-table tr.world th')).toContain('scenarios/delivery/e2ee-messages.test.ts (<i>profile 12</i>)');
    expect(await page.locator('#audit-table i').count()).toBe(0);
    const findingCells = await page.locator('#findings-table tbody tr').first().locator('td').allTextContents();
    expect(findingCells).toEqual([
      'scenarios/delivery/e2ee-messages.test.ts (<i>profile 12</i>)',
      'zulip.log',
      'line 42',
      'msg',
      'content',
      'json-escaped',
      'zpgc12q3q<…>',
      'message 3 (text)',
      'no message content',
    ]);
    expect(await page.locator('#audit-errors li').allTextContents()).toEqual([expect.stringContaining('privacy/truncated-1.json')]);

    // failures: replay commands, messages shown as text (never markup)
    expect(await page.locator('#failures code.replay').allTextContents()).toEqual([
      'npm start -- --scenario scenarios/delivery/e2ee-messages.test.ts --seed 31',
      'npm start -- --scenario scenarios/delivery/removes.test.ts --seed 31',
    ]);
    expect(await page.locator('#failures pre').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Received: "<script>alert(1)</script>"'), expect.stringContaining('Test suite failed to run')]),
    );
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('#failures b').count()).toBe(0);

    // nothing but the page itself was loaded
    expect(requests).toEqual([pathToFileURL(file).href]);

    await page.screenshot({ path: path.join(OUT, 'report.png'), fullPage: true });
    expect(fs.statSync(path.join(OUT, 'report.png')).size).toBeGreaterThan(10_000);
  });

  it('should fail with the install hint when no Chromium is found', async () => {
    const saved = process.env.ZPG_CHROMIUM;
    process.env.ZPG_CHROMIUM = '/nonexistent/chromium';
    try {
      await expect(launchBrowser()).rejects.toThrow(BROWSER_HELP);
    } finally {
      if (saved === undefined) delete process.env.ZPG_CHROMIUM;
      else process.env.ZPG_CHROMIUM = saved;
    }
  });
});
