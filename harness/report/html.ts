/**
 * `report.html`: one self-contained page per run — summary, per-scenario timings (inline SVG),
 * the scenario table, the privacy audit (one sink table per world verdict, every finding) and the
 * failures with their replay commands. No script, no external asset (a Content-Security-Policy of
 * `default-src 'none'` makes sure), every value escaped: it opens offline from a file:// URL.
 *
 * `renderReportHtml` is pure; `writeReportHtml` writes it next to the other reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileSummary, PrivacyAudit, RunSummary } from './types';

export const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const countsText = (counts: Record<string, number> | undefined) =>
  Object.entries(counts ?? {})
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ') || '—';

/** The number of needles, with the count per kind folded away (`<details>`, no script needed). */
function searchedCell(searched: Record<string, number> | undefined): string {
  const total = Object.values(searched ?? {}).reduce((n, v) => n + (Number(v) || 0), 0);
  return `<details><summary>${total} needle${total === 1 ? '' : 's'}</summary>${esc(countsText(searched))}</details>`;
}

const STYLE = `
:root { --ok: #1a7f37; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 24px; color: #1f2328; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; } h4 { font-size: 14px; margin: 12px 0 4px; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; }
.badge.passed { background: var(--ok); } .badge.failed { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin: 16px 0; padding: 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: var(--bg); margin: 0; }
.card dt { color: var(--muted); font-size: 12px; } .card dd { margin: 0; font-size: 20px; font-weight: 600; }
.card.bad dd { color: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; } td.num { white-space: nowrap; }
tr.failed td:first-child, tr.leak td, p.leak { color: var(--bad); font-weight: 600; }
tr.world th { background: #eaeef2; font-weight: 600; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); padding: 8px; overflow-x: auto; white-space: pre-wrap; }
code.replay { background: #fff8c5; padding: 2px 6px; border-radius: 4px; user-select: all; }
td.searched { min-width: 9em; } td.searched details { font-size: 12px; } td.searched summary { cursor: pointer; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg rect.passed { fill: var(--ok); } svg rect.failed { fill: var(--bad); }
`;

function card(id: string, label: string, value: string | number, bad = false): string {
  return `<div class="card${bad ? ' bad' : ''}"><dt>${esc(label)}</dt><dd data-testid="${esc(id)}">${esc(value)}</dd></div>`;
}

/** Horizontal bars, longest first. */
export function timingsSvg(files: FileSummary[]): string {
  if (files.length === 0) return '<p class="muted">No scenario file ran.</p>';
  const rows = [...files].sort((a, b) => b.durationMs - a.durationMs || a.file.localeCompare(b.file));
  const width = 1000;
  const labelW = 420;
  const valueW = 90;
  const rowH = 24;
  const barMax = width - labelW - valueW;
  const max = Math.max(1, ...rows.map((r) => r.durationMs));
  const height = rows.length * rowH + 8;
  const short = (s: string) => (s.length > 60 ? `…${s.slice(-59)}` : s);
  const bars = rows.map((r, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(1, Math.round((r.durationMs / max) * barMax));
    return (
      `<g class="bar" data-file="${esc(r.file)}"><title>${esc(`${r.file}: ${formatMs(r.durationMs)} (${r.status})`)}</title>` +
      `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(short(r.file))}</text>` +
      `<rect class="${r.status}" x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" rx="2"></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 16}">${esc(formatMs(r.durationMs))}</text></g>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="per-scenario timings" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars.join('')}</svg>`;
}

function scenarioTable(summary: RunSummary): string {
  const rows = summary.files.map(
    (f) =>
      `<tr class="${f.status === 'passed' && f.privacy.findings === 0 ? 'passed' : 'failed'}" data-file="${esc(f.file)}"><td>${f.status === 'passed' && f.privacy.findings === 0 ? '✓' : '✗'} ${esc(f.file)}</td>` +
      `<td class="num">${f.passed}</td><td class="num">${f.failed}</td><td class="num">${f.skipped}</td>` +
      `<td class="num">${esc(formatMs(f.durationMs))}</td>` +
      `<td class="num">${f.privacy.verdicts === 0 ? '<span class="muted">no verdict</span>' : `${f.privacy.findings} in ${f.privacy.verdicts} verdict${f.privacy.verdicts === 1 ? '' : 's'}`}</td></tr>`,
  );
  return (
    '<table id="scenario-table"><thead><tr><th>scenario file</th><th class="num">passed</th><th class="num">failed</th>' +
    '<th class="num">skipped</th><th class="num">duration</th><th class="num">privacy findings</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function auditSection(audit: PrivacyAudit): string {
  const t = audit.totals;
  const parts = [
    `<p data-testid="audit-totals">${t.verdicts} verdict${t.verdicts === 1 ? '' : 's'}, ${t.sinks} sink${t.sinks === 1 ? '' : 's'} searched (${esc(formatBytes(t.bytes))}), ` +
      `<strong>${t.findings} finding${t.findings === 1 ? '' : 's'}</strong>${t.errors ? `, <strong>${t.errors} unreadable verdict file${t.errors === 1 ? '' : 's'}</strong>` : ''}.</p>`,
  ];
  if (audit.worlds.length === 0) {
    parts.push('<p class="muted">No privacy verdict was written during this run.</p>');
  } else {
    const body = audit.worlds.map((w) => {
      const head =
        `<tr class="world"><th colspan="8">${esc(w.label)} <span class="muted">— ${esc(w.file)}; seed ${esc(w.seed ?? '—')}; ` +
        `scan ${esc(formatMs(w.scanMs))}; ${w.findings.length} finding${w.findings.length === 1 ? '' : 's'}</span></th></tr>`;
      const sinks = w.sinks.length
        ? w.sinks.map(
            (s) =>
              `<tr class="sink${s.findings > 0 ? ' leak' : ''}"><td>${esc(s.sink)}</td><td>${esc(s.component)}</td><td>${esc(s.kind)}</td>` +
              `<td class="num">${esc(formatBytes(Number(s.bytes)))}</td><td>${esc(s.policy)}</td><td class="searched">${searchedCell(s.searched)}</td>` +
              `<td>${esc(countsText(s.allowed))}</td>` +
              `<td class="num">${esc(s.findings)}${s.error ? `<br><span class="muted">unreadable: ${esc(s.error)}</span>` : ''}</td></tr>`,
          )
        : ['<tr><td colspan="8" class="muted">no sinks listed</td></tr>'];
      return head + sinks.join('');
    });
    parts.push(
      '<table id="audit-table"><thead><tr><th>sink</th><th>component</th><th>kind</th><th class="num">bytes</th><th>policy</th>' +
        `<th>searched (needles per kind)</th><th>allowed by the policy (hits per kind)</th><th class="num">findings</th></tr></thead><tbody>${body.join('')}</tbody></table>`,
    );
  }
  if (audit.findings.length > 0) {
    const rows = audit.findings.map(
      (f) =>
        `<tr class="finding leak"><td>${esc(f.label)}</td><td>${esc(f.sink)}</td><td>${esc(f.location)}</td><td>${esc(f.field ?? '')}</td>` +
        `<td>${esc(f.kind)}</td><td>${esc(f.encoding)}</td><td><code>${esc(f.shown)}</code></td><td>${esc(f.subject ?? '')}</td><td>${esc(f.rule ?? '')}</td></tr>`,
    );
    parts.push(
      '<h3>Findings</h3><table id="findings-table"><thead><tr><th>world</th><th>sink</th><th>location</th><th>field</th><th>kind</th>' +
        `<th>encoding</th><th>shown (redacted)</th><th>whose</th><th>rule broken</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
  }
  if (audit.errors.length > 0) {
    parts.push(
      `<h3>Unreadable verdict files</h3><ul id="audit-errors">${audit.errors.map((e) => `<li><code>${esc(e.file)}</code>: ${esc(e.error)}</li>`).join('')}</ul>`,
    );
  }
  return parts.join('\n');
}

function failuresSection(summary: RunSummary, audit: PrivacyAudit): string {
  const failed = summary.files.filter((f) => f.replay);
  if (failed.length === 0 && audit.findings.length === 0 && audit.errors.length === 0) return '<p>None.</p>';
  const parts = failed.map((f) => {
    const leaks = f.privacy.findings
      ? `<p class="leak">${f.privacy.findings} privacy finding${f.privacy.findings === 1 ? '' : 's'} in this file's worlds (see <a href="#privacy">Privacy audit</a>).</p>`
      : '';
    const tests = summary.scenarios
      .filter((t) => t.file === f.file && t.status === 'failed')
      .map((t) => `<div class="failed-test"><h4>✗ ${esc(t.name)} <span class="muted">(${esc(formatMs(t.durationMs))})</span></h4><pre>${esc(t.failure ?? '')}</pre></div>`);
    const outside = f.failure ? `<div class="failed-test"><h4>✗ outside any test (a hook, or loading the file)</h4><pre>${esc(f.failure)}</pre></div>` : '';
    return (
      `<div class="failure" data-file="${esc(f.file)}"><h3>${esc(f.file)}</h3>` +
      `<p>Replay: <code class="replay">${esc(f.replay ?? '')}</code></p>${leaks}${tests.join('')}${outside}</div>`
    );
  });
  if (audit.findings.length > 0 || audit.errors.length > 0) {
    parts.push('<p>The privacy audit failed the run: see <a href="#privacy">Privacy audit</a>.</p>');
  }
  return parts.join('\n');
}

export function renderReportHtml(summary: RunSummary, audit: PrivacyAudit): string {
  const status = summary.exitCode === 0 ? 'passed' : 'failed';
  const filesFailed = summary.files.filter((f) => f.status === 'failed').length;
  const cards = [
    card('passed', 'tests passed', summary.passed),
    card('failed', 'tests failed', summary.failed, summary.failed > 0),
    card('skipped', 'tests skipped', summary.skipped),
    card('files', 'scenario files', summary.files.length),
    card('files-failed', 'files failed', filesFailed, filesFailed > 0),
    card('privacy-findings', 'privacy findings', summary.privacy.findings, summary.privacy.findings > 0),
    card('privacy-verdicts', 'privacy verdicts', summary.privacy.verdicts),
    card('duration', 'duration', formatMs(summary.durationMs)),
    card('seed', 'seed', summary.seed),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Zulip push proving ground — run ${summary.runId}: ${status}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Zulip push proving ground — run <code>${esc(summary.runId)}</code> <span class="badge ${status}" data-testid="status">${status.toUpperCase()}</span></h1>
<p class="muted">Started ${esc(summary.startedAt)}, finished ${esc(summary.finishedAt)}; seed ${esc(summary.seed)}${summary.filter ? `; scenarios matching <code>${esc(summary.filter)}</code>` : ''}; exit code ${summary.exitCode}.</p>
</header>
<section id="summary"><h2>Summary</h2><dl class="cards">${cards.join('')}</dl></section>
<section id="timings"><h2>Timings per scenario file</h2>${timingsSvg(summary.files)}</section>
<section id="scenarios"><h2>Scenarios</h2>${scenarioTable(summary)}</section>
<section id="privacy"><h2>Privacy audit</h2>${auditSection(audit)}</section>
<section id="failures"><h2>Failures</h2>${failuresSection(summary, audit)}</section>
<footer><p class="muted">Files of this run: <a href="junit.xml">junit.xml</a>, <a href="results.json">results.json</a>, <a href="privacy-audit.json">privacy-audit.json</a>.</p></footer>
</body>
</html>
`;
}

/** Writes `report.html` into `dir`; returns its path. */
export function writeReportHtml(dir: string, summary: RunSummary, audit: PrivacyAudit): string {
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, renderReportHtml(summary, audit));
  return file;
}
