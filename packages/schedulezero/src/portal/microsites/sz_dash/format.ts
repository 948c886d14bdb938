import { iso } from '../../format.js';

/**
 * The dashboard's own time label; everything else comes from the portal's format module, whose
 * output does not depend on the current time (so an unchanged panel renders to the same bytes).
 */

/** "14:00" (UTC) for the start of an hour bucket. */
export function hourLabel(ms: number): string {
  return iso(ms).slice(11, 16);
}
