/**
 * jest-junit writes `junit.xml`; the privacy audit joins it as one more test suite, `privacy
 * audit`, with one test case per verdict (failed when it has findings) and one failed case per
 * unreadable verdict file, so a CI that reads only JUnit still sees a leak.
 */
import type { PrivacyAudit } from './types';

export const xmlEscape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // characters XML 1.0 cannot carry at all
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

/** The `<testsuite>` element for the audit, or null when there is nothing to report. */
export function privacySuiteXml(audit: PrivacyAudit): string | null {
  const cases: string[] = [];
  let failures = 0;
  let time = 0;
  for (const w of audit.worlds) {
    const t = (w.scanMs / 1000).toFixed(3);
    time += w.scanMs / 1000;
    const name = `privacy verdict: ${w.label} (${w.file})`;
    const head = `    <testcase classname="privacy audit" name="${xmlEscape(name)}" time="${t}"`;
    if (w.findings.length === 0) {
      cases.push(`${head}>\n    </testcase>`);
      continue;
    }
    failures += 1;
    const lines = w.findings.map((f) => `${f.kind} in ${f.sink} at ${f.location}${f.field ? ` (${f.field})` : ''} [${f.encoding}]: ${f.shown}`);
    cases.push(
      `${head}>\n      <failure message="${xmlEscape(`${w.findings.length} privacy finding(s)`)}">${xmlEscape(lines.join('\n'))}</failure>\n    </testcase>`,
    );
  }
  for (const e of audit.errors) {
    failures += 1;
    cases.push(
      `    <testcase classname="privacy audit" name="${xmlEscape(`unreadable verdict: ${e.file}`)}" time="0">\n      <failure message="${xmlEscape(e.error)}">${xmlEscape(e.error)}</failure>\n    </testcase>`,
    );
  }
  if (cases.length === 0) return null;
  return (
    `  <testsuite name="privacy audit" errors="0" failures="${failures}" skipped="0" tests="${cases.length}" time="${time.toFixed(3)}" timestamp="${xmlEscape(audit.generatedAt)}">\n` +
    `${cases.join('\n')}\n  </testsuite>`
  );
}

/**
 * jest-junit's XML with the privacy suite added and the `<testsuites>` totals updated. Returns the
 * input unchanged when it does not look like jest-junit's output.
 */
export function addPrivacySuite(xml: string, audit: PrivacyAudit): string {
  const suite = privacySuiteXml(audit);
  if (!suite) return xml;
  const open = /<testsuites\b[^>]*>/.exec(xml);
  const close = xml.lastIndexOf('</testsuites>');
  if (!open || close === -1) return xml;
  const tests = Number(/\btests="(\d+)"/.exec(suite)![1]);
  const failures = Number(/\bfailures="(\d+)"/.exec(suite)![1]);
  const bump = (tag: string, attr: string, by: number) =>
    new RegExp(`\\b${attr}="\\d+"`).test(tag) ? tag.replace(new RegExp(`\\b${attr}="(\\d+)"`), (_m, n: string) => `${attr}="${Number(n) + by}"`) : tag;
  const tag = bump(bump(open[0], 'tests', tests), 'failures', failures);
  const body = xml.slice(open.index + open[0].length, close);
  return `${xml.slice(0, open.index)}${tag}${body.replace(/\s*$/, '\n')}${suite}\n${xml.slice(close)}`;
}
