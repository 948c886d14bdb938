/** Plain-text tables for people; `--json` prints the API's JSON for scripts instead. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** Key/value block for one object. */
export function details(pairs: [string, unknown][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/** "2026-11-27T10:00:00.000Z" -> "2026-11-27 10:00:00Z" (compact, still UTC). */
export function shortTime(value: string | null | undefined): string | null {
  if (!value) return null;
  return value.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export interface Printer {
  json: boolean;
  print(text: string): void;
  data(value: unknown, render: () => string): void;
}

export function createPrinter(json: boolean, write: (text: string) => void = (t) => process.stdout.write(`${t}\n`)): Printer {
  return {
    json,
    print: write,
    data(value, render) {
      write(json ? JSON.stringify(value, null, 2) : render());
    },
  };
}
