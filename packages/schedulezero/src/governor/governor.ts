import type { ProcessSpec } from './spec.js';
import { Supervisor } from './supervisor.js';
import type { GovernedState, Governor, GovernorOptions } from './types.js';

/** All supervised processes of one server (or one standalone `schedulezero governor`). */
export class ProcessGovernor implements Governor {
  private readonly supervisors: Supervisor[];
  private stopping: Promise<void> | null = null;
  /**
   * The processes run in their own process groups, so they would outlive a governor that exits
   * without stop() (process.exit() on a second Ctrl-C, an uncaught error): this kills them on
   * the way out. 'exit' listeners must be synchronous, and SIGKILL is.
   */
  private readonly onProcessExit = () => {
    for (const s of this.supervisors) s.killNow();
  };

  constructor(specs: ProcessSpec[], options: GovernorOptions) {
    const onChange = options.onChange ?? (() => undefined);
    this.supervisors = specs.map((spec) => new Supervisor(spec, { logger: options.logger, serverUrl: options.serverUrl, onChange }));
  }

  start(): void {
    if (this.supervisors.length === 0) return;
    process.on('exit', this.onProcessExit);
    for (const s of this.supervisors) s.start();
  }

  states(): GovernedState[] {
    return this.supervisors.map((s) => s.snapshot());
  }

  state(handler: string): GovernedState | null {
    return this.supervisors.find((s) => s.spec.handler === handler)?.snapshot() ?? null;
  }

  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await Promise.all(this.supervisors.map((s) => s.stop()));
      process.off('exit', this.onProcessExit);
    })());
  }
}
