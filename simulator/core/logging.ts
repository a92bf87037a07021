/**
 * Structured logging: pino JSON lines, one file per component at `<dataDir>/logs/<component>.log`
 * (registered as a sink), optionally mirrored to stderr. Secrets never reach a sink:
 *  - structured fields that can hold secrets are censored by pino's `redact`;
 *  - every secret value a component learns (org keys, provider keys, bearer tokens) is added to
 *    the component's SecretRedactor, which scrubs it from the finished line, wherever it appears.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Clock } from './clock';
import type { Sink } from './sinks';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** Field paths that never reach a log, whatever logs them. */
const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'zulip_org_key',
  'new_org_key',
  'api_key',
  'private_key',
  'password',
  '*.zulip_org_key',
  '*.new_org_key',
  '*.api_key',
  '*.private_key',
  '*.password',
];

export class SecretRedactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret; short strings are refused because they would censor ordinary text. */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 8) return;
    this.secrets.add(secret);
    const jsonEscaped = JSON.stringify(secret).slice(1, -1);
    if (jsonEscaped !== secret) this.secrets.add(jsonEscaped);
  }

  scrub(line: string): string {
    let out = line;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
}

export interface ComponentLogOptions {
  component: string;
  /** The stack's data dir; the log goes to `<dataDir>/logs/<component>.log`. */
  dataDir: string;
  clock: Clock;
  level?: pino.LevelWithSilent;
  /** Mirror every line to stderr (the `up` command does). */
  stderr?: boolean;
}

export interface ComponentLog {
  logger: Logger;
  redactor: SecretRedactor;
  file: string;
  sink: Sink;
  /** The log's lines so far, parsed (tests assert on them). */
  lines(): LogLine[];
  close(): void;
}

export interface LogLine {
  level: number;
  time: string;
  component: string;
  logger?: string;
  msg: string;
  [key: string]: unknown;
}

export const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function createComponentLog(opts: ComponentLogOptions): ComponentLog {
  const file = path.join(opts.dataDir, 'logs', `${opts.component}.log`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const redactor = new SecretRedactor();
  // Synchronous writes: a line is on disk before the request that caused it is answered,
  // so a scanner reading the file right after a request sees everything.
  const fileStream = pino.destination({ dest: file, sync: true, append: true });
  const streams: pino.StreamEntry[] = [{ stream: fileStream, level: 'trace' }];
  if (opts.stderr) streams.push({ stream: pino.destination({ fd: 2, sync: true }), level: 'trace' });

  const logger = pino(
    {
      level: opts.level ?? 'debug',
      base: { component: opts.component },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date(opts.clock.now()).toISOString()}"`,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: (line) => redactor.scrub(line) },
    },
    pino.multistream(streams),
  );

  return {
    logger,
    redactor,
    file,
    sink: {
      name: `${opts.component}.log`,
      component: opts.component,
      kind: 'log',
      path: file,
      description: `${opts.component}'s structured log (JSON lines)`,
    },
    lines: () => readLogLines(file),
    close: () => {
      fileStream.flushSync();
    },
  };
}

export function readLogLines(file: string): LogLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogLine);
}
