import { createHash } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ResolvedPortalConfig } from '../../config/load.js';

/**
 * Where a portal keeps its built documentation: SCHEDULEZERO_DOCS_CACHE, else a folder of the
 * system's temporary folder. Each portal (by its config file, or the working folder of a portal
 * without one) has its own subfolder, so two portals never remove each other's builds.
 */
export function docsCacheRoot(portal: Readonly<ResolvedPortalConfig>): string {
  const base = process.env.SCHEDULEZERO_DOCS_CACHE ?? join(tmpdir(), `schedulezero-docs-${safeUser()}`);
  const owner = createHash('sha256').update(portal.file ?? process.cwd()).digest('hex').slice(0, 12);
  return join(base, owner);
}

function safeUser(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}
