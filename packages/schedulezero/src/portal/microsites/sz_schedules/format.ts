/**
 * Times and durations as people read them. The server does not know the viewer's time zone, so
 * absolute times are shown in the schedule's own zone (where "09:00" means what the user typed)
 * and in UTC; portal.js keeps relative texts ("in 4m 05s") ticking in the browser.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
const wallFormatters = new Map<string, Intl.DateTimeFormat>();

/** A zone Intl accepts, else UTC (stored zones are valid; typed ones may not be yet). */
export function safeZone(zone: string | null | undefined): string {
  if (!zone) return 'UTC';
  if (formatters.has(zone)) return zone;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** "Mon 2 Jun 2025, 09:00:00 CEST" in `zone`. */
export function zoned(ms: number, zone: string): string {
  const name = safeZone(zone);
  let f = formatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: name,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(name, f);
  }
  return f.format(new Date(ms));
}

/** "2025-06-02 07:00:00 UTC". */
export function utc(ms: number): string {
  return `${iso(ms).slice(0, 19).replace('T', ' ')} UTC`;
}

/** The wall time of `ms` in `zone` as a datetime-local value ("2025-06-02T09:00:00"). */
export function wallInput(ms: number, zone: string): string {
  const name = safeZone(zone);
  let f = wallFormatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: name,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallFormatters.set(name, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Same wording as portal.js, so the server's first text and the live one agree. */
function span(ms: number): string {
  let s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  let m = Math.floor(s / 60);
  s %= 60;
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  m %= 60;
  if (h < 48) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function countdownText(ms: number, now: number): string {
  return ms - now > 500 ? `in ${span(ms - now)}` : 'due';
}

export function agoText(ms: number, now: number): string {
  return now - ms < 1500 ? 'just now' : `${span(now - ms)} ago`;
}

/** "850 ms", "12.3 s", "3m 04s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return span(ms);
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
  return value >= 60 ? `${value} s (${span(value * 1000)})` : `${value} s`;
}
