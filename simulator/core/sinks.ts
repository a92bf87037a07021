/**
 * A sink is any place data comes to rest: a log file, a database file, a journal. Every
 * component reports its sinks so the harness's privacy scanner can read every byte of them.
 */
export type SinkKind = 'log' | 'database' | 'journal' | 'http-responses' | 'stderr';

export interface Sink {
  /** Unique, stable name, e.g. `bouncer.log` or `bouncer.db`. */
  name: string;
  component: string;
  kind: SinkKind;
  /** Absolute path when the sink is a file. */
  path?: string;
  /** For in-memory sinks (journals): their current content, as text. */
  read?: () => string;
  /** For sinks behind another process's admin surface: where to GET their content. */
  url?: string;
  /** What the sink holds, in words, for the privacy audit. */
  description: string;
}

export class SinkRegistry {
  private readonly sinks = new Map<string, Sink>();

  register(sink: Sink): Sink {
    const existing = this.sinks.get(sink.name);
    if (existing && existing.path !== sink.path) {
      throw new Error(`sink ${sink.name} is already registered at ${existing.path ?? '(memory)'}`);
    }
    this.sinks.set(sink.name, sink);
    return sink;
  }

  list(): Sink[] {
    return [...this.sinks.values()];
  }
}
