/**
 * Conversion between instants and wall-clock times in an IANA time zone.
 *
 * Intl.DateTimeFormat is the only source of time zone data in the runtime, and it is slow
 * (microseconds per call). Each zone therefore learns its UTC offset transitions lazily, one UTC
 * year at a time, by probing Intl every two days and bisecting to the second wherever the offset
 * changed. After that, offset lookups and wall-time resolution are pure arithmetic, which keeps
 * `Trigger.next()` in the low microseconds.
 *
 * Known limit: two transitions closer than the probe step that cancel out (the offset returns to
 * its old value before the next probe) would go unnoticed. Since 1970 the closest pair in the tz
 * database is 6.96 days apart (Brazil's one-week DST of October 2000, America/Recife and others).
 */
import { DAY, HOUR, SECOND, floorSecond } from './calendar.js';

/** How a wall time maps onto the instant line. */
export type WallMapping =
  /** The wall time occurs exactly once. */
  | { readonly kind: 'unique'; readonly instant: number }
  /** The wall time is skipped (spring forward); `transition` is the first instant after the gap. */
  | { readonly kind: 'gap'; readonly transition: number }
  /**
   * The wall time occurs twice (fall back). The repeated wall range is
   * [transition + offsetAfter, transition + offsetBefore).
   */
  | {
      readonly kind: 'repeat';
      readonly first: number;
      readonly second: number;
      readonly transition: number;
      readonly offsetBefore: number;
      readonly offsetAfter: number;
    };

interface YearTable {
  /** First instant covered (Jan 1, 00:00 UTC). */
  readonly start: number;
  /** First instant not covered (Jan 1 of the next year). */
  readonly end: number;
  /** Instants (whole seconds) at which the offset changes, ascending, all in (start, end). */
  readonly transitions: readonly number[];
  /** offsets[0] applies from `start`, offsets[i + 1] from transitions[i]. Milliseconds. */
  readonly offsets: readonly number[];
}

// A wall time and its instants are at most ~16 h apart (historic LMT offsets included); the window
// must hold every candidate instant and the transitions between them.
const RESOLVE_MARGIN = 30 * HOUR;
const PROBE_STEP = 2 * DAY;
const MAX_CACHED_YEARS = 256;
const FORMAT_RE = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

export class Zone {
  private readonly years = new Map<number, YearTable>();
  private recent: YearTable | undefined;

  constructor(
    readonly name: string,
    /** null for UTC, which needs no data. */
    private readonly format: Intl.DateTimeFormat | null,
  ) {}

  /** UTC offset in ms at `instant`: wall time = instant + offset. */
  offsetAt(instant: number): number {
    if (this.format === null) return 0;
    const table = this.tableFor(instant);
    const transitions = table.transitions;
    let i = transitions.length;
    while (i > 0 && (transitions[i - 1] as number) > instant) i--;
    return table.offsets[i] as number;
  }

  /** The wall time (as UTC-encoded ms) at `instant`. */
  wallAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** Where the wall time `wall` (whole seconds or not) occurs on the instant line. */
  resolve(wall: number): WallMapping {
    if (this.format === null) return { kind: 'unique', instant: wall };
    const lo = wall - RESOLVE_MARGIN;
    const hi = wall + RESOLVE_MARGIN;
    const starts: number[] = [lo];
    const offsets: number[] = [this.offsetAt(lo)];
    this.collectTransitions(lo, hi, starts, offsets);
    if (starts.length === 1) return { kind: 'unique', instant: wall - (offsets[0] as number) };

    // Segments of constant offset: [starts[i], starts[i + 1]) with offsets[i].
    let firstIndex = -1;
    let lastIndex = -1;
    for (let i = 0; i < starts.length; i++) {
      const candidate = wall - (offsets[i] as number);
      const segEnd = i + 1 < starts.length ? (starts[i + 1] as number) : hi;
      if (candidate >= (starts[i] as number) && candidate < segEnd) {
        if (firstIndex < 0) firstIndex = i;
        lastIndex = i;
      }
    }
    if (firstIndex < 0) {
      // In a gap: the end of the gap is the first transition whose new wall time passes `wall`.
      for (let i = 1; i < starts.length; i++) {
        if ((starts[i] as number) + (offsets[i] as number) > wall) {
          return { kind: 'gap', transition: starts[i] as number };
        }
      }
      return { kind: 'unique', instant: wall - (offsets[offsets.length - 1] as number) };
    }
    if (firstIndex === lastIndex) {
      return { kind: 'unique', instant: wall - (offsets[firstIndex] as number) };
    }
    return {
      kind: 'repeat',
      first: wall - (offsets[firstIndex] as number),
      second: wall - (offsets[lastIndex] as number),
      transition: starts[lastIndex] as number,
      offsetBefore: offsets[lastIndex - 1] as number,
      offsetAfter: offsets[lastIndex] as number,
    };
  }

  /**
   * The instant of a wall time given by a person (an offset-less date or time): a skipped time
   * means the end of the gap, a repeated time its first occurrence.
   */
  instantOf(wall: number): number {
    const m = this.resolve(wall);
    return m.kind === 'unique' ? m.instant : m.kind === 'gap' ? m.transition : m.first;
  }

  /** The instants in (from, to] at which the UTC offset changes. */
  transitions(from: number, to: number): number[] {
    const starts: number[] = [from];
    if (this.format !== null) this.collectTransitions(from, to, starts, [this.offsetAt(from)]);
    return starts.slice(1);
  }

  /** Appends the transitions in (lo, hi] and the offsets they switch to. */
  private collectTransitions(lo: number, hi: number, starts: number[], offsets: number[]): void {
    let t = lo;
    while (t <= hi) {
      const table = this.tableFor(t);
      for (let i = 0; i < table.transitions.length; i++) {
        const at = table.transitions[i] as number;
        if (at > lo && at <= hi) {
          starts.push(at);
          offsets.push(table.offsets[i + 1] as number);
        }
      }
      if (table.end > hi) break;
      // A transition exactly at the year boundary is the next table's starting offset.
      const boundaryOffset = this.tableFor(table.end).offsets[0] as number;
      if (table.end > lo && boundaryOffset !== (offsets[offsets.length - 1] as number)) {
        starts.push(table.end);
        offsets.push(boundaryOffset);
      }
      t = table.end;
    }
  }

  private tableFor(instant: number): YearTable {
    const recent = this.recent;
    if (recent !== undefined && instant >= recent.start && instant < recent.end) return recent;
    const year = new Date(instant).getUTCFullYear();
    let table = this.years.get(year);
    if (table === undefined) {
      table = this.buildTable(year);
      if (this.years.size >= MAX_CACHED_YEARS) {
        const oldest = this.years.keys().next();
        if (oldest.done !== true) this.years.delete(oldest.value);
      }
      this.years.set(year, table);
    }
    this.recent = table;
    return table;
  }

  private buildTable(year: number): YearTable {
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    const transitions: number[] = [];
    let lastOffset = this.probe(start);
    const offsets: number[] = [lastOffset];
    let prev = start;
    while (prev < end) {
      const at = Math.min(prev + PROBE_STEP, end);
      const offset = this.probe(at);
      if (offset !== lastOffset) this.bisect(prev, lastOffset, at, offset, end, transitions, offsets);
      prev = at;
      lastOffset = offset;
    }
    return { start, end, transitions, offsets };
  }

  /** Finds every transition in (lo, hi], given the offsets at both ends differ. */
  private bisect(
    lo: number,
    loOffset: number,
    hi: number,
    hiOffset: number,
    tableEnd: number,
    transitions: number[],
    offsets: number[],
  ): void {
    let from = lo;
    let fromOffset = loOffset;
    // Each round finds the first change after `from`; more rounds when several happen in one step.
    for (let round = 0; fromOffset !== hiOffset && round < 8; round++) {
      let a = from;
      let b = hi;
      while (b - a > SECOND) {
        const mid = a + floorSecond((b - a) / 2);
        if (this.probe(mid) === fromOffset) a = mid;
        else b = mid;
      }
      const offset = this.probe(b);
      if (b < tableEnd) {
        transitions.push(b);
        offsets.push(offset);
      }
      from = b;
      fromOffset = offset;
    }
  }

  /** Offset from Intl at a whole second. */
  private probe(instant: number): number {
    const at = floorSecond(instant);
    const format = this.format as Intl.DateTimeFormat;
    const match = FORMAT_RE.exec(format.format(at));
    let wall: number;
    if (match !== null) {
      wall = Date.UTC(+match[3]!, +match[1]! - 1, +match[2]!, +match[4]! % 24, +match[5]!, +match[6]!);
    } else {
      // Unexpected locale data; formatToParts is slower but structured.
      const f: Record<string, number> = {};
      for (const part of format.formatToParts(at)) f[part.type] = Number(part.value);
      wall = Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, (f.hour ?? 0) % 24, f.minute ?? 0, f.second ?? 0);
    }
    return wall - at;
  }
}

const zones = new Map<string, Zone>();

function makeFormat(name: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/**
 * The zone name to store for user input, or null when the runtime does not know the zone. The case
 * is corrected (`europe/berlin` -> `Europe/Berlin`) but aliases are kept as given.
 */
export function normalizeTimeZone(name: string): string | null {
  // Building a DateTimeFormat costs tens of microseconds; names are few, but input is untrusted.
  let known = normalized.get(name);
  if (known === undefined) {
    known = null;
    if (name !== '' && name.trim() === name) {
      try {
        const resolved = makeFormat(name).resolvedOptions().timeZone;
        known = resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
      } catch {
        known = null;
      }
    }
    if (normalized.size >= 1024) normalized.clear();
    normalized.set(name, known);
  }
  return known;
}

const normalized = new Map<string, string | null>();

/** The (cached) zone for a name already validated by normalizeTimeZone. Throws RangeError if unknown. */
export function getZone(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    const format = makeFormat(name);
    zone = new Zone(name, format.resolvedOptions().timeZone === 'UTC' ? null : format);
    zones.set(name, zone);
  }
  return zone;
}
