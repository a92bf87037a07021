/**
 * `reports/<run-id>/` (spec/interfaces.md): junit.xml (jest-junit's, plus the privacy audit
 * suite), results.json, privacy-audit.json, report.html; `reports/latest` points at the newest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeReportHtml } from './html';
import { addPrivacySuite } from './junit';
import type { PrivacyAudit, RunSummary } from './types';

/** A run id that sorts by time: 2025-01-31T12-00-00-000Z. */
export const newRunId = (now = new Date()) => now.toISOString().replace(/[:.]/g, '-');

/** Makes `<reportsRoot>/<run-id>/` (a suffix when the id is taken); returns the id and directory. */
export function makeRunDir(reportsRoot: string, now = new Date()): { runId: string; dir: string } {
  fs.mkdirSync(reportsRoot, { recursive: true });
  const base = newRunId(now);
  for (let n = 1; ; n++) {
    const runId = n === 1 ? base : `${base}-${n}`;
    const dir = path.join(reportsRoot, runId);
    try {
      fs.mkdirSync(dir);
      return { runId, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function writeRunReports(dir: string, summary: RunSummary, audit: PrivacyAudit): void {
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(summary, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'privacy-audit.json'), JSON.stringify(audit, null, 2) + '\n');
  writeReportHtml(dir, summary, audit);
  const junit = path.join(dir, 'junit.xml');
  if (fs.existsSync(junit)) fs.writeFileSync(junit, addPrivacySuite(fs.readFileSync(junit, 'utf8'), audit));
}

/**
 * Points `<reportsRoot>/latest` at `runId`: a relative symlink, swapped in atomically. Throws
 * (leaving it alone) when `latest` is something else, e.g. a real directory.
 */
export function updateLatest(reportsRoot: string, runId: string): string {
  const latest = path.join(reportsRoot, 'latest');
  const tmp = path.join(reportsRoot, `.latest-${process.pid}-${Date.now()}`);
  fs.symlinkSync(runId, tmp);
  try {
    fs.renameSync(tmp, latest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`could not point ${latest} at ${runId}: ${(e as Error).message}`);
  }
  return latest;
}
