import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Logger } from '../domain/logger.js';
import type { Store } from '../store/store.js';
import { ConfigError, sqliteFilename } from './config.js';

/**
 * postgres://user:password@host:port/database[?schema=name]: `schema` (default public) is ours,
 * taken out before the URL reaches the driver.
 */
export function postgresOptions(url: string): { url: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`database url: not a valid postgres:// URL`);
  }
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new ConfigError(`database url: schema "${schema}" must be a plain lower-case identifier (letters, digits, _)`);
  }
  return { url: parsed.toString(), ...(schema ? { schema } : {}) };
}

/** Opens the store a database URL names and applies its migrations. */
export async function openStore(url: string, cwd = process.cwd(), logger?: Logger): Promise<Store> {
  let store: Store;
  if (url.startsWith('sqlite:')) {
    store = new SqliteStore({ filename: sqliteFilename(url, cwd) });
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    // Loaded on demand: a SQLite deployment never loads the PostgreSQL driver.
    const { PostgresStore } = await import('../store/postgres/postgres-store.js');
    store = new PostgresStore({ ...postgresOptions(url), ...(logger ? { logger } : {}) });
  } else {
    throw new ConfigError(`database url "${url}": expected sqlite:PATH (e.g. sqlite:./data/schedulezero.db) or postgres://user@host:port/database`);
  }
  await store.migrate();
  return store;
}
