import { isTerminal, type RunRow } from '../../domain/types.js';
import type { Engine } from '../../engine/engine.js';

/**
 * Waits for runs to finish (the original's run_now answered when the job was done). One engine
 * listener serves every waiting request; a slow poll of the store covers an update that no
 * event announced.
 */
export class RunWaiter {
  private readonly waiting = new Map<string, Set<(run: RunRow) => void>>();
  private readonly listener = (run: RunRow) => {
    if (!isTerminal(run.status)) return;
    for (const done of this.waiting.get(run.id) ?? []) done(run);
  };

  constructor(private readonly engine: Engine) {
    engine.events.on('run.updated', this.listener);
  }

  close(): void {
    this.engine.events.off('run.updated', this.listener);
  }

  /** The finished run, or null when it is still going after `maxMs`. */
  wait(runId: string, maxMs: number, pollMs = 1000): Promise<RunRow | null> {
    return new Promise((resolve) => {
      let settled = false;
      const check = () => {
        this.engine.store.getRun(runId).then(
          (run) => {
            if (run && isTerminal(run.status)) finish(run);
          },
          () => undefined,
        );
      };
      const poll = setInterval(check, pollMs);
      const cap = setTimeout(() => finish(null), maxMs);
      const finish = (run: RunRow | null) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(cap);
        const set = this.waiting.get(runId);
        set?.delete(finish);
        if (set?.size === 0) this.waiting.delete(runId);
        resolve(run);
      };
      const set = this.waiting.get(runId) ?? new Set();
      set.add(finish);
      this.waiting.set(runId, set);
      // It may have finished before anyone listened.
      check();
    });
  }
}
