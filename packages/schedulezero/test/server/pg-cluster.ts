import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../helpers.js';

/**
 * A private, throw-away PostgreSQL cluster for tests that stop, crash and restart the database
 * (the shared one on 5432 serves many test files at once and must never go down). initdb and
 * postgres refuse to run as root, so they run as the `postgres` user in a folder it owns.
 * fsync is off: nothing here needs durability across a machine crash, only a fast start. Commits
 * stay synchronous, so a crash of the server (kill(): -m immediate) loses nothing acknowledged,
 * as in production.
 */
export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/sz */
  url: string;
  port: number;
  /** Fast shutdown (-m fast), `downMs` of downtime (default 0), start again on the same port. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Fast shutdown: clients are disconnected, the server exits cleanly. */
  stop(): Promise<void>;
  /** Immediate shutdown (-m immediate), like a crash: the next start runs crash recovery. */
  kill(): Promise<void>;
  /** Start (again); resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stop it (immediately) and delete its folder. Safe to call more than once. */
  destroy(): Promise<void>;
}

const run = promisify(execFile);
const DATABASE = 'sz';
/** Clusters not destroyed yet, each with a synchronous last-resort teardown (for process exit). */
const live = new Map<PgCluster, () => void>();

/** The PostgreSQL bin folder (/usr/lib/postgresql/<version>/bin), newest version first; null when none. */
export function pgBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

/** Why a private cluster cannot be started here (null when it can): needs root, runuser, a postgres user and initdb. */
export function pgClusterUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (runuser needs it)';
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/usr/bin/runuser')) return 'runuser is missing';
  if (!pgBinDir()) return 'no PostgreSQL binaries in /usr/lib/postgresql/*/bin';
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'no postgres user';
  }
  return null;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries in /usr/lib/postgresql/*/bin');
  const root = mkdtempSync(join(tmpdir(), 'sz-pg-'));
  const data = join(root, 'data');
  const logFile = join(root, 'postgres.log');
  execFileSync('chown', ['postgres:postgres', root]);
  const port = await freePort();
  const asPostgres = (tool: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { timeout: 60_000 });
  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${root}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  const ctl = (args: string[]) => asPostgres('pg_ctl', ['-D', data, ...args]);
  let destroyed = false;

  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    port,
    // -w: pg_ctl returns once the server accepts connections (or has shut down).
    start: async () => {
      await ctl(['-w', '-t', '30', '-l', logFile, '-o', serverOptions, 'start']);
    },
    stop: async () => {
      await ctl(['-w', '-m', 'fast', 'stop']);
    },
    kill: async () => {
      await ctl(['-w', '-m', 'immediate', 'stop']);
    },
    restart: async (opts = {}) => {
      await cluster.stop();
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await cluster.start();
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      live.delete(cluster);
      await ctl(['-w', '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
  live.set(cluster, () => {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // Not running.
    }
    rmSync(root, { recursive: true, force: true });
  });
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await cluster.start();
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}

/** Destroy every cluster this process started and has not destroyed (for afterAll). */
export async function destroyPgClusters(): Promise<void> {
  await Promise.all([...live.keys()].map((c) => c.destroy()));
}

// A test worker that exits without its afterAll (a crash, a timeout kill) must not leave
// postmasters behind: they are not our children and would outlive us.
process.once('exit', () => {
  for (const teardown of live.values()) teardown();
  live.clear();
});
