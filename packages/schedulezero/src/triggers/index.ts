/**
 * Triggers: when a schedule's occurrences fall.
 *
 * parseTrigger validates untrusted input into a normalized TriggerSpec (what the store keeps);
 * compileTrigger turns a normalized spec into a Trigger that computes occurrences.
 * See docs/concepts/triggers.md and docs/concepts/dst.md.
 */
import { CronTrigger } from './cron.js';
import { DateTrigger } from './date.js';
import { IntervalTrigger } from './interval.js';
import { normalizeTrigger } from './normalize.js';
import type { TriggerSpec } from '../domain/types.js';
import type { Trigger } from './trigger.js';

export type { Trigger } from './trigger.js';

/**
 * Validate and normalize untrusted input (already JSON-parsed). Throws ValidationError(message,
 * field, code) with `field` a dotted path under `trigger` and code one of 'invalid_trigger' |
 * 'invalid_cron' | 'invalid_timezone'. `now` fills defaults (interval start_time).
 */
export function parseTrigger(input: unknown, opts: { now: number }): TriggerSpec {
  if (!Number.isFinite(opts.now)) throw new TypeError('parseTrigger: opts.now must be a finite number');
  return normalizeTrigger(input, opts.now).spec;
}

// Engines compile on every fire; identical specs share one (immutable) Trigger.
const compiled = new Map<string, Trigger>();
const MAX_COMPILED = 4096;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Compile a normalized spec (as returned by parseTrigger, or read back from the database). Cheap:
 * results are cached by spec. Throws ValidationError if the spec is not valid.
 */
export function compileTrigger(spec: TriggerSpec): Trigger {
  const key = JSON.stringify(spec);
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  const n = normalizeTrigger(spec, null);
  let trigger: Trigger;
  if (n.type === 'cron') {
    trigger = new CronTrigger({
      spec: deepFreeze(n.spec),
      matcher: n.matcher,
      hourWildcard: n.plan.hourWildcard,
      zone: n.zone,
      start: n.start,
      end: n.end,
      description: n.description,
    });
  } else if (n.type === 'interval') {
    trigger = new IntervalTrigger(deepFreeze(n.spec), n.start, n.period, n.end);
  } else {
    trigger = new DateTrigger(deepFreeze(n.spec), n.runAt, n.zone);
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(key, trigger);
  return trigger;
}
