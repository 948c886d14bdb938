import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referencePages } from './pages.js';

/**
 * Writes the configuration reference into the repository's docs/ folder: `npm run
 * docs:reference` (which builds first and runs this from dist/). This module sits five folders
 * below the repository root both in src/ and in dist/ (packages/schedulezero/{src,dist}/docs/
 * reference/), so the folder is found the same way from either.
 */
export const REPO_DOCS_DIR = fileURLToPath(new URL('../../../../../docs/', import.meta.url));

/** Write every page under `docsDir`; returns the files written, relative to it. */
export function writeReferencePages(docsDir: string = REPO_DOCS_DIR): string[] {
  const written: string[] = [];
  for (const page of referencePages()) {
    const target = join(docsDir, page.file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, page.markdown);
    written.push(page.file);
  }
  return written;
}

// Run as a script (node .../write.js), not when imported by a test.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of writeReferencePages()) process.stdout.write(`wrote docs/${file}\n`);
}
