import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every scenario gets its own database file, removed afterwards. */
export function tempDatabase(name: string): { url: string; file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `sz-bench-${name}-`));
  const file = join(dir, 'bench.db');
  return { url: `sqlite:${file}`, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
