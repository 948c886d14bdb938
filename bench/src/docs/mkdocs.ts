/**
 * The baseline: the `mkdocs` command (Debian's package is MkDocs 1.4.2 on Python 3.11), run as a
 * user runs it, so its figure includes Python's start-up and MkDocs' imports.
 */
import { execFile, spawn } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { preciseNow } from '../stats.js';

const run = promisify(execFile);

export interface MkDocs {
  path: string;
  version: string;
  /** Whether the Python that runs mkdocs can import Pygments (needed by the codehilite extension). */
  pygments: boolean;
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The interpreter named on the script's `#!` line, so Pygments is looked for where mkdocs runs. */
async function interpreter(script: string): Promise<string[] | undefined> {
  const first = (await readFile(script, 'utf8').catch(() => '')).split('\n', 1)[0] ?? '';
  if (!first.startsWith('#!')) return undefined;
  const parts = first.slice(2).trim().split(/\s+/);
  return parts.some((p) => p.includes('python')) ? parts : undefined;
}

export async function findMkDocs(): Promise<MkDocs | undefined> {
  const path = await onPath('mkdocs');
  if (!path) return undefined;
  const { stdout } = await run(path, ['--version']);
  const version = /version\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  let pygments = false;
  const python = await interpreter(path);
  if (python) {
    const [command, ...args] = python;
    pygments = await run(command!, [...args, '-c', 'import pygments']).then(
      () => true,
      () => false,
    );
  }
  return { path, version, pygments };
}

export interface TimedBuild {
  ms: number;
  /** What mkdocs wrote to stderr (with -q, errors only). */
  stderr: string;
}

/** One `mkdocs build -q`, timed from spawn to exit. */
export function mkdocsBuild(mkdocs: MkDocs, configFile: string, outDir: string): Promise<TimedBuild> {
  return new Promise((resolve, reject) => {
    const started = preciseNow();
    const child = spawn(mkdocs.path, ['build', '-q', '-f', configFile, '-d', outDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = preciseNow() - started;
      if (code === 0) resolve({ ms, stderr });
      else reject(new Error(`mkdocs build exited with ${code}: ${stderr.trim()}`));
    });
  });
}
