import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** The files of a docs folder, as the site sees them. */
export interface FolderScan {
  /** The folder's real path (symlinks resolved): every served file must be inside it. */
  root: string;
  /** Paths relative to the folder, with "/" separators, sorted. */
  files: string[];
  /** Every folder scanned and its mtime, to notice pages added or removed. */
  folders: Map<string, number>;
  warnings: string[];
}

/** Hidden names (".git", ".env") are neither pages nor files to serve. */
export function isHidden(segment: string): boolean {
  return segment.startsWith('.');
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Walk a docs folder. Symbolic links are followed only to files inside the folder, so that a
 * link to /etc/passwd (or to a parent folder) is never served.
 */
export async function scanFolder(docsDir: string): Promise<FolderScan> {
  const root = await realpath(docsDir);
  const scan: FolderScan = { root, files: [], folders: new Map(), warnings: [] };
  const walk = async (dir: string): Promise<void> => {
    scan.folders.set(dir, (await stat(dir)).mtimeMs);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) scan.files.push(rel);
      else if (entry.isSymbolicLink()) {
        const target = await realpath(path).catch(() => null);
        if (target === null || !isInside(root, target)) {
          scan.warnings.push(`${rel}: symbolic link to a place outside the docs folder; ignored`);
          continue;
        }
        // Links to folders inside the docs would list the same pages twice.
        if ((await stat(target)).isFile()) scan.files.push(rel);
      }
    }
  };
  await walk(root);
  scan.files.sort();
  return scan;
}

/**
 * The absolute path of the file at a URL path inside the folder, or null. `subpath` is already
 * percent-decoded; "..", "." and hidden segments, backslashes and NUL are refused before the file
 * system is asked, and the real path (symlinks resolved) must stay inside the folder.
 */
export async function resolveInside(root: string, subpath: string): Promise<string | null> {
  if (subpath === '' || subpath.includes('\0') || subpath.includes('\\')) return null;
  const segments = subpath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || isHidden(s))) return null;
  const candidate = join(root, ...segments);
  const real = await realpath(candidate).catch(() => null);
  if (real === null || !isInside(root, real)) return null;
  const info = await stat(real).catch(() => null);
  return info?.isFile() ? real : null;
}
