/**
 * A cold ScheduleZero docs build: `node child.js <source> <outDir>` loads the package, builds
 * once and prints its report as JSON on stdout. The parent times it from spawn to exit, the way
 * `mkdocs build` is timed with Python's start-up included.
 */
import { performance } from 'node:perf_hooks';
import { buildDocs } from 'schedulezero/docs';

// Imports are done before the first statement runs: this is Node's start-up plus loading the package.
const startupMs = performance.now();

const [source, outDir] = process.argv.slice(2);
if (!source || !outDir) {
  console.error('usage: child.js <source> <outDir>');
  process.exit(2);
}
const report = await buildDocs(source, { outDir });
process.stdout.write(`${JSON.stringify({ pages: report.pages, files: report.files, warnings: report.warnings.length, ms: report.ms, startupMs })}\n`);
