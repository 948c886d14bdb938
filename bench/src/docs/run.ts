/**
 * `npm run bench:docs`: ScheduleZero's docs builder beside MkDocs on the same generated site
 * (1,000 pages by default), in one run on one machine. MkDocs is timed as a user sees it, from
 * `mkdocs build` to its exit, Python start-up included; ScheduleZero likewise in a fresh `node`
 * (the headline ratio) and, for orientation, in this process with Node already warm.
 *
 * Options: --runs N (builds per tool, default 3), --pages N (content pages, default 1000),
 * --seed N (generator seed), --keep (leave the temp folder for inspection).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt } from '../stats.js';
import { generateSite } from './generate.js';
import { findMkDocs, mkdocsBuild } from './mkdocs.js';
import { buildInChild, buildInProcess } from './schedulezero.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    pages: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '20240601' },
    keep: { type: 'boolean', default: false },
  },
});
const positive = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return n;
};
const runs = positive('runs', values.runs);
const contentPages = positive('pages', values.pages);
const seed = positive('seed', values.seed);

interface Tool {
  name: string;
  times: number[];
  outDir: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Pages as a reader sees them: one index.html per page with MkDocs' directory URLs. ScheduleZero
 * also writes a search page (search/index.html), which is not one of the site's pages.
 */
async function countPages(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => basename(e) === 'index.html' && e !== join('search', 'index.html')).length;
}

const work = mkdtempSync(join(tmpdir(), 'sz-docs-bench-'));
// Ctrl-C during a long run should not leave a thousand-page site behind in /tmp.
process.once('SIGINT', () => {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  process.exit(130);
});

try {
  const mkdocs = await findMkDocs();
  console.log(
    `Docs build benchmark: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${runs} run(s) per tool`,
  );
  console.log(mkdocs ? `mkdocs ${mkdocs.version} (${mkdocs.path}), Pygments ${mkdocs.pygments ? 'found: codehilite on' : 'not found: codehilite off'}` : 'mkdocs: not found');

  const site = await generateSite(join(work, 'site'), { pages: contentPages, seed, codehilite: mkdocs?.pygments ?? false });
  console.log(`generated ${site.pages.toLocaleString('en')} pages (${site.lines.toLocaleString('en')} lines of Markdown) in ${site.dir}\n`);

  const base: Tool | undefined = mkdocs ? { name: `mkdocs ${mkdocs.version} (python, cold process)`, times: [], outDir: join(work, 'out-mkdocs') } : undefined;
  const cold: Tool = { name: 'ScheduleZero (node, cold process)', times: [], outDir: join(work, 'out-sz-cold') };
  const warm: Tool = { name: 'ScheduleZero (in-process, warm)', times: [], outDir: join(work, 'out-sz-warm') };
  const startups: number[] = [];
  let warnings: string[] = [];
  let reported = { pages: 0, files: 0 };

  for (let i = 1; i <= runs; i++) {
    const parts: string[] = [];
    // Each build starts from no output folder, so neither tool skips unchanged files.
    if (base && mkdocs) {
      await rm(base.outDir, { recursive: true, force: true });
      const b = await mkdocsBuild(mkdocs, site.configFile, base.outDir);
      base.times.push(b.ms);
      parts.push(`mkdocs ${fmt(b.ms)} ms`);
      if (b.stderr.trim()) console.log(`  mkdocs said: ${b.stderr.trim().split('\n').slice(0, 5).join('\n  ')}`);
    }
    await rm(cold.outDir, { recursive: true, force: true });
    const c = await buildInChild(site.dir, cold.outDir);
    cold.times.push(c.ms);
    if (c.startupMs !== undefined) startups.push(c.startupMs);
    parts.push(`ScheduleZero cold ${fmt(c.ms)} ms (start-up and import ${fmt(c.startupMs ?? NaN)} ms)`);
    await rm(warm.outDir, { recursive: true, force: true });
    const w = await buildInProcess(site.dir, warm.outDir);
    warm.times.push(w.ms);
    warnings = w.warningTexts;
    reported = { pages: w.pages, files: w.files };
    parts.push(`in-process ${fmt(w.ms)} ms`);
    console.log(`run ${i}/${runs}: ${parts.join(', ')}`);
  }

  // Both outputs should hold every page: a builder that skipped pages would look fast.
  console.log('');
  const tools = [base, cold, warm].filter((t): t is Tool => t !== undefined);
  for (const t of [base, cold].filter((x): x is Tool => x !== undefined)) {
    const n = await countPages(t.outDir);
    const off = Math.abs(n - site.pages) > Math.max(1, site.pages * 0.01);
    console.log(`${t.name}: ${n.toLocaleString('en')} index.html pages of ${site.pages.toLocaleString('en')}${off ? '  WARNING: page count differs' : ''}`);
  }
  console.log(`ScheduleZero report: ${reported.pages.toLocaleString('en')} pages, ${reported.files.toLocaleString('en')} files, ${warnings.length} warning(s)`);
  for (const w of warnings.slice(0, 5)) console.log(`  warning: ${w}`);
  if (warnings.length > 5) console.log(`  ... and ${warnings.length - 5} more`);

  const baseline = base ? median(base.times) : undefined;
  const table = [['tool', 'median ms', 'min ms', 'pages/s', 'vs mkdocs']];
  for (const t of tools) {
    const m = median(t.times);
    table.push([t.name, fmt(m), fmt(Math.min(...t.times)), fmt(site.pages / (m / 1000)), baseline ? `${fmt(baseline / m)}x` : '-']);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  console.log('');
  for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));

  if (startups.length) console.log(`\nScheduleZero cold runs spent a median ${fmt(median(startups))} ms starting Node and importing 'schedulezero/docs' before building.`);

  if (!base || baseline === undefined) {
    console.log(
      '\nmkdocs is not installed, so there is no ratio. Install it and run again:\n' +
        '  Debian/Ubuntu: sudo apt-get install -y mkdocs python3-pygments\n' +
        '  elsewhere:     pipx install mkdocs   (or: python3 -m pip install mkdocs)',
    );
  } else {
    const ratio = baseline / median(cold.times);
    // On a busy machine the medians move a lot from run to run; the fastest runs are the least disturbed.
    const [fastBase, fastCold] = [Math.min(...base.times), Math.min(...cold.times)];
    console.log(`\nfastest runs: mkdocs ${fmt(fastBase)} ms, ScheduleZero cold ${fmt(fastCold)} ms: ${(fastBase / fastCold).toFixed(1)}x`);
    console.log(`docs build: ScheduleZero ${ratio.toFixed(1)}x faster than mkdocs (target >= 5x): ${ratio >= 5 ? 'met' : 'not met'}`);
  }
} finally {
  if (values.keep) console.log(`\nkept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
