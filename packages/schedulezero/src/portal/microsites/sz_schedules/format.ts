import { duration, knownZone, wallClock } from '../../format.js';

/**
 * What only the schedules pages need: time zones as typed into the form, wall times for
 * datetime-local inputs, and setting values. Everything else comes from the portal's format module.
 */

/** A zone Intl accepts, else UTC (stored zones are valid; typed ones may not be yet). */
export function safeZone(zone: string | null | undefined): string {
  return zone && knownZone(zone) ? zone : 'UTC';
}

/** The wall time of `ms` in `zone` as a datetime-local value ("2025-06-02T09:00:00"). */
export function wallInput(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}:${w.second}`;
}

let zones: string[] | null = null;

/** IANA zone names for the time zone <datalist>. */
export function timeZones(): string[] {
  if (zones === null) {
    const list = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    zones = ['UTC', ...list.filter((z) => z !== 'UTC')];
  }
  return zones;
}

/** Seconds as "90 s (1m 30s)" for settings. */
export function seconds(value: number): string {
  return value >= 60 ? `${value} s (${duration(value * 1000)})` : `${value} s`;
}
