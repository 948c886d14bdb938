/**
 * A slow, independent model of wall-clock time in a zone, straight from Intl.formatToParts, used to
 * check the triggers' results. It shares no code with src/triggers/timezone.ts.
 */
const HOUR = 3_600_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, f);
  }
  return f;
}

/** Wall time (UTC-encoded ms) at an instant, whole seconds. */
export function wallOf(zone: string, instant: number): number {
  const at = Math.floor(instant / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of format(zone).formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
}

export function offsetOf(zone: string, instant: number): number {
  return wallOf(zone, instant) - Math.floor(instant / 1000) * 1000;
}

export type OracleMapping =
  | { kind: 'unique'; at: number }
  | { kind: 'gap'; end: number }
  | { kind: 'repeat'; first: number; second: number };

/** Every instant whose wall time is `wall`, or the end of the gap that swallows it. */
export function resolveWall(zone: string, wall: number): OracleMapping {
  const offsets = new Set<number>();
  for (let k = -2; k <= 2; k++) offsets.add(offsetOf(zone, wall + k * 9 * HOUR));
  const hits = [...offsets]
    .map((o) => wall - o)
    .filter((t) => wallOf(zone, t) === wall)
    .sort((a, b) => a - b);
  const unique = [...new Set(hits)];
  if (unique.length === 1) return { kind: 'unique', at: unique[0]! };
  if (unique.length >= 2) return { kind: 'repeat', first: unique[0]!, second: unique[unique.length - 1]! };
  // A gap: the first instant whose wall time is past `wall`, by bisection between the candidates.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - sorted[sorted.length - 1]!; // wall time before `wall`
  let hi = wall - sorted[0]!; // wall time after `wall`
  if (!(wallOf(zone, lo) < wall && wallOf(zone, hi) > wall)) throw new Error(`oracle: cannot bracket gap at ${new Date(wall).toISOString()} in ${zone}`);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallOf(zone, mid) > wall) hi = mid;
    else lo = mid;
  }
  return { kind: 'gap', end: hi };
}

/** The instant(s) our DST policy assigns to a matching wall time. */
export function policyInstants(zone: string, wall: number, bothPasses: boolean): number[] {
  const m = resolveWall(zone, wall);
  if (m.kind === 'unique') return [m.at];
  if (m.kind === 'gap') return [m.end];
  return bothPasses ? [m.first, m.second] : [m.first];
}

/** Offset-less input policy: gap -> end of gap, repeated -> first. */
export function personInstant(zone: string, wall: number): number {
  return policyInstants(zone, wall, false)[0]!;
}

/**
 * Brute-force occurrences in [from, to] (instants) of a cron-like rule given as a predicate on
 * wall time: every wall minute (or second, with `stepMs`) in range is tested and mapped.
 */
export function bruteForce(
  zone: string,
  matches: (wall: Date) => boolean,
  bothPasses: boolean,
  from: number,
  to: number,
  stepMs = 60_000,
): number[] {
  // Wall times of instants in [from, to] lie between these bounds (offsets sampled hourly).
  let low = Infinity;
  let high = -Infinity;
  for (let t = from - HOUR; t <= to + HOUR; t += HOUR) {
    const o = offsetOf(zone, t);
    low = Math.min(low, o);
    high = Math.max(high, o);
  }
  const wallFrom = Math.floor((from + low - 2 * HOUR) / stepMs) * stepMs;
  const wallTo = to + high + 2 * HOUR;
  const out = new Set<number>();
  for (let w = wallFrom; w <= wallTo; w += stepMs) {
    if (!matches(new Date(w))) continue;
    for (const t of policyInstants(zone, w, bothPasses)) if (t >= from && t <= to) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

export const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
