/**
 * The server's queue workers, reduced to one ordered queue: API handlers enqueue work (send
 * this message's pushes, register this device with the bouncer) and answer at once, as Zulip's
 * do; the work runs in order in the background. `idle()` resolves when everything enqueued so
 * far (and anything it enqueued) has finished, so tests can wait for "no more pushes".
 *
 * A task that throws is logged by name (never with its data) and does not stop the queue.
 */
import type { Logger } from '../core/logging';

export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Failures so far, for tests: task name and error class. */
  readonly failures: { task: string; error: string }[] = [];

  constructor(private readonly logger?: Logger) {}

  enqueue(name: string, task: () => Promise<unknown>): void {
    if (this.closed) return;
    this.pending += 1;
    this.tail = this.tail
      .then(task)
      .then(
        () => undefined,
        (e: unknown) => {
          const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          this.failures.push({ task: name, error });
          this.logger?.error({ task: name, error: e instanceof Error ? e.name : typeof e }, `Queue task ${name} failed`);
        },
      )
      .finally(() => {
        this.pending -= 1;
        if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
      });
  }

  get size(): number {
    return this.pending;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops accepting work; resolves when the running work is done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }
}
