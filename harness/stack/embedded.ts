/**
 * The embedded runtime: every component in this Node process on loopback ports, one data dir,
 * one clock. Today the stack is the bouncer; the mock providers, the fake Zulip server and the
 * phones join it here as they are built.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RealClock, VirtualClock, type Clock } from '../../simulator/core/clock';
import type { Sink } from '../../simulator/core/sinks';
import { startBouncer, type BouncerHandle } from '../../simulator/bouncer';

export interface StackOptions {
  /** Where every component keeps its files; default a fresh temp dir. */
  dataDir?: string;
  /** 'virtual' (default for scenarios) or 'real' (default for `up`). */
  clock?: 'real' | 'virtual' | Clock;
  /** E2EE protocol profile of the bouncer: 12 (token_id, default) or 11 (push_account_id). */
  profile?: 11 | 12;
  /** Seed for synthetic data; recorded so a run can be replayed. */
  seed?: number;
  /** Mirror component logs to stderr. */
  logToStderr?: boolean;
}

export interface Stack extends AsyncDisposable {
  dataDir: string;
  clock: Clock;
  seed: number;
  bouncer: BouncerHandle;
  /** Every sink of every component, for the privacy scanner. */
  sinks(): Sink[];
  /** The `up --json` document (spec/interfaces.md). */
  describe(): UpDescription;
  stop(): Promise<void>;
}

export interface UpDescription {
  bouncer: { url: string; e2eePublicKey: string | null; adminUrl: string; profile: 11 | 12 };
  dataDir: string;
  seed: number;
  clock: 'real' | 'virtual';
  logFiles: Record<string, string>;
  databases: Record<string, string | null>;
}

export async function startEmbeddedStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'zpg-stack-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const clock =
    typeof options.clock === 'object'
      ? options.clock
      : options.clock === 'real'
        ? new RealClock()
        : new VirtualClock();
  const seed = options.seed ?? 1;
  const profile = options.profile ?? 12;

  const bouncer = await startBouncer({
    dataDir,
    clock,
    e2eeProfile: profile,
    logToStderr: options.logToStderr,
  });

  const stop = async () => {
    await bouncer.stop();
  };
  return {
    dataDir,
    clock,
    seed,
    bouncer,
    sinks: () => [...bouncer.sinks],
    describe: () => ({
      bouncer: {
        url: bouncer.url,
        // The E2EE key ring arrives with the delivery half of the bouncer.
        e2eePublicKey: null,
        adminUrl: `${bouncer.url}/__admin`,
        profile,
      },
      dataDir: path.resolve(dataDir),
      seed,
      clock: clock.kind,
      logFiles: { bouncer: bouncer.logFile },
      databases: { bouncer: bouncer.databaseFile },
    }),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
