/**
 * A first, exact-token look into the stack's sinks: which of them hold a given string (raw or
 * JSON-escaped). Database sinks are read with their -wal/-shm companions. The full privacy
 * audit (encodings, policies per sink, verdicts) builds on this.
 */
import fs from 'node:fs';
import type { Sink } from '../../simulator/core/sinks';

export function sinkText(sink: Sink): string {
  if (sink.read) return sink.read();
  if (!sink.path) return '';
  const files = sink.kind === 'database' ? [sink.path, `${sink.path}-wal`, `${sink.path}-shm`] : [sink.path];
  return files
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f).toString('latin1'))
    .join('\n');
}

/** The names of the sinks holding `needle` (as-is or JSON-escaped). */
export function sinksContaining(sinks: Sink[], needle: string): string[] {
  const forms = [...new Set([needle, JSON.stringify(needle).slice(1, -1)])];
  return sinks.filter((s) => {
    const text = sinkText(s);
    return forms.some((f) => text.includes(f) || text.includes(Buffer.from(f, 'utf8').toString('latin1')));
  }).map((s) => s.name);
}
