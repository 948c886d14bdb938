// tsc compiles TypeScript only; the portal's static files (CSS, JS, images under any
// src/**/assets/ folder) are copied beside the compiled modules so that dist/ runs on its own.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const src = new URL('../packages/schedulezero/src/', import.meta.url).pathname;
const dist = new URL('../packages/schedulezero/dist/', import.meta.url).pathname;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (name === 'assets') cpSync(path, join(dist, relative(src, path)), { recursive: true });
    else walk(path);
  }
}
walk(src);
