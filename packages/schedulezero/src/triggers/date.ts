/** A one-off occurrence at run_date. */
import { formatWall } from './calendar.js';
import type { DateTriggerSpec } from '../domain/types.js';
import type { Trigger } from './trigger.js';
import type { Zone } from './timezone.js';

export class DateTrigger implements Trigger {
  constructor(
    readonly spec: DateTriggerSpec,
    private readonly runAt: number,
    private readonly zone: Zone,
  ) {}

  next(after: number): number | null {
    return after < this.runAt ? this.runAt : null;
  }

  first(): number | null {
    // A run_date in the past still fires once, late: creating a one-off job must not lose it.
    return this.runAt;
  }

  describe(): string {
    return `Once, at ${formatWall(this.zone.wallAt(this.runAt))} (${this.zone.name})`;
  }
}
