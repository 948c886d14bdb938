import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { freePort, tempDir, waitFor } from '../helpers.js';
import { openEventStream } from '../sse.js';

const bin = fileURLToPath(new URL('../../bin/schedulezero.js', import.meta.url));

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 60_000, env: { ...process.env, SCHEDULEZERO_PORTAL_CONFIG: '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('sz-docs-cli-');
});
afterEach(() => dir.cleanup());

function write(rel: string, text: string): void {
  const path = join(dir.path, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

describe('schedulezero docs build', () => {
  test('builds one MkDocs site into its site_dir, or --out, and reports pages and warnings', async () => {
    write('guide/mkdocs.yml', 'site_name: Guide\nplugins:\n  - search\n  - awesome-pages\n');
    write('guide/docs/index.md', '# Guide\n\n[broken](nope.md)\n');
    write('guide/docs/more.md', '# More\n');
    const res = await cli(['docs', 'build', 'guide'], dir.path);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/guide: 2 pages, 0 files in \d+ ms -> .*guide\/site \(\d+ warnings\)/);
    expect(res.stderr).toContain('awesome-pages');
    expect(res.stderr).toContain('index.md: link "nope.md": no such page in the docs folder');
    expect(existsSync(join(dir.path, 'guide/site/more/index.html'))).toBe(true);

    const strict = await cli(['docs', 'build', 'guide', '--out', 'elsewhere', '--strict'], dir.path);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('warnings found (--strict)');
    expect(existsSync(join(dir.path, 'elsewhere/index.html'))).toBe(true);

    const json = await cli(['--json', 'docs', 'build', 'guide', '--out', 'elsewhere'], dir.path);
    const parsed = JSON.parse(json.stdout) as { sites: { id: string; pages: number; warnings: string[] }[] };
    expect(parsed.sites[0]).toMatchObject({ id: 'guide', pages: 2 });

    const missing = await cli(['docs', 'build', 'nowhere'], dir.path);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere does not exist');
    expect(missing.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test("without a source, builds the portal's doc sites at their paths; --site picks one", async () => {
    write('core/mkdocs.yml', 'site_name: Core\n');
    write('core/docs/index.md', '# Core\n');
    write('py/mkdocs.yml', 'site_name: Python\n');
    write('py/docs/index.md', '# Python\n');
    write(
      'portal_config.yaml',
      'documentation:\n  sites:\n    - id: core\n      path: /docs\n      source: ./core\n    - id: python\n      path: /docs/handlers/python\n      source: ./py\n',
    );
    const all = await cli(['docs', 'build', '--out', 'public'], dir.path);
    expect(all.code, all.stderr).toBe(0);
    expect(readFileSync(join(dir.path, 'public/index.html'), 'utf8')).toContain('href="/docs/_sz/');
    expect(readFileSync(join(dir.path, 'public/handlers/python/index.html'), 'utf8')).toContain('<title>Python</title>');

    const one = await cli(['docs', 'build', '--site', 'python', '--out', 'only'], dir.path);
    expect(one.code, one.stderr).toBe(0);
    expect(existsSync(join(dir.path, 'only/handlers/python/index.html'))).toBe(true);
    expect(existsSync(join(dir.path, 'only/index.html'))).toBe(false);

    const unknown = await cli(['docs', 'build', '--site', 'rust'], dir.path);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the portal has no documentation site "rust"; its sites: core, python');
  });
});

describe('schedulezero docs serve', () => {
  test('serves the site and reloads open pages after a change', async () => {
    write('site/mkdocs.yml', 'site_name: Live\n');
    write('site/docs/index.md', '# Live\n\nFirst version.\n');
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'docs', 'serve', 'site', '--port', String(port)], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('serving on'), 20_000);
      const url = `http://127.0.0.1:${port}`;
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toContain('First version.');
      const live = /data-events="([^"]+)"/.exec(page)![1]!;
      const events = await openEventStream(`${url}${live}`);
      try {
        write('site/docs/index.md', '# Live\n\nSecond version.\n');
        await events.next((e) => e.event === 'reload', 0, 15_000);
        expect(await (await fetch(`${url}/`)).text()).toContain('Second version.');
        // A broken mkdocs.yml mid-edit is reported; the last good build stays up.
        write('site/mkdocs.yml', 'site_name: [unclosed\n');
        await waitFor(() => output.includes('build failed'), 15_000);
        expect((await fetch(`${url}/`)).status).toBe(200);
      } finally {
        events.close();
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
