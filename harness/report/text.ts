/** What `npm start` prints after the run: the summary table, the audit, replays, the reports. */
import { formatMs } from './html';
import { verdictLine } from './results';
import type { PrivacyAudit, RunSummary } from './types';

function table(rows: string[][], rightAligned: Set<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - [...cell].length);
        return rightAligned.has(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

export interface SummaryTextOptions {
  /** How to show the run's report directory (relative to the cwd when inside it). */
  reportDir: string;
  /** How to show `reports/latest`, or null when it could not be updated. */
  latest: string | null;
}

export function summaryText(summary: RunSummary, audit: PrivacyAudit, opts: SummaryTextOptions): string {
  const privacyCell = (verdicts: number, findings: number) =>
    verdicts === 0 ? 'no verdict' : `${findings} finding${findings === 1 ? '' : 's'} (${verdicts} verdict${verdicts === 1 ? '' : 's'})`;
  const rows: string[][] = [['', 'scenario file', 'passed', 'failed', 'skipped', 'duration', 'privacy']];
  for (const f of summary.files) {
    rows.push([f.status === 'passed' && f.privacy.findings === 0 ? '✓' : '✗', f.file, String(f.passed), String(f.failed), String(f.skipped), formatMs(f.durationMs), privacyCell(f.privacy.verdicts, f.privacy.findings)]);
  }
  const unattributed = audit.worlds.filter((w) => w.scenario === null);
  if (unattributed.length > 0) {
    rows.push(['', '(worlds of no scenario file)', '', '', '', '', privacyCell(unattributed.length, unattributed.reduce((n, w) => n + w.findings.length, 0))]);
  }
  rows.push([
    summary.exitCode === 0 ? '✓' : '✗',
    `total: ${summary.files.length} file${summary.files.length === 1 ? '' : 's'}`,
    String(summary.passed),
    String(summary.failed),
    String(summary.skipped),
    formatMs(summary.durationMs),
    privacyCell(summary.privacy.verdicts, summary.privacy.findings),
  ]);
  const lines = ['', ...table(rows, new Set([2, 3, 4, 5]))];
  // a rule above the total
  const width = Math.max(...lines.map((l) => [...l].length));
  lines.splice(lines.length - 1, 0, '─'.repeat(width));
  lines.splice(2, 0, '─'.repeat(width));

  lines.push('');
  const t = audit.totals;
  lines.push(
    `privacy audit: ${t.verdicts} verdict${t.verdicts === 1 ? '' : 's'}, ${t.sinks} sink${t.sinks === 1 ? '' : 's'} searched, ` +
      `${t.findings} finding${t.findings === 1 ? '' : 's'}` +
      (t.errors ? `, ${t.errors} unreadable verdict file${t.errors === 1 ? '' : 's'}` : ''),
  );
  for (const f of audit.findings) {
    lines.push(`  ✗ ${f.label}: ${f.kind} in ${f.sink} at ${f.location}${f.field ? ` (${f.field})` : ''} [${f.encoding}]: ${f.shown}`);
  }
  for (const e of audit.errors) lines.push(`  ✗ unreadable verdict ${e.file}: ${e.error}`);

  const failed = summary.files.filter((f) => f.replay);
  if (failed.length > 0) {
    lines.push('', `failed or leaked: ${failed.length} scenario file${failed.length === 1 ? '' : 's'}; replay with:`);
    for (const f of failed) lines.push(`  ${f.replay}`);
  }
  lines.push(
    '',
    `reports: ${opts.reportDir}/ (junit.xml, results.json, privacy-audit.json, report.html)` +
      (opts.latest ? `; ${opts.latest} points there` : ''),
  );
  lines.push(verdictLine(summary, audit));
  return lines.join('\n') + '\n';
}
