import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './config-error.js';

export interface ServerLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per SQLite file. Two would both fire schedules (harmless: occurrences are unique)
 * but each would take the other's in-process runs for crashed leftovers at start-up. A lock file
 * next to the database holds the owner's pid; a lock left by a process that is gone (kill -9,
 * power loss) is taken over. Tools such as `schedulezero tokens` open the database without it.
 */
export function acquireServerLock(databaseFile: string): ServerLock {
  const path = `${databaseFile}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new ConfigError(
          `${databaseFile} is in use by another ScheduleZero server (pid ${owner}); ` +
            'stop it first, or give this one its own database (--database)',
        );
      }
      // Stale: its owner is gone. Remove it and try once more.
      unlinkSync(path);
    }
  }
  throw new ConfigError(`${databaseFile}: cannot take the lock file ${path}`);
}
