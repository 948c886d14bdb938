import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { ConfigError, sqliteFilename } from './config.js';

/** Opens the store a database URL names and applies its migrations. */
export async function openStore(url: string, cwd = process.cwd()): Promise<Store> {
  let store: Store;
  if (url.startsWith('sqlite:')) {
    store = new SqliteStore({ filename: sqliteFilename(url, cwd) });
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(`database url "${url}": the PostgreSQL store is not part of this release yet; use sqlite:PATH`);
  } else {
    throw new ConfigError(`database url "${url}": expected sqlite:PATH (e.g. sqlite:./data/schedulezero.db)`);
  }
  await store.migrate();
  return store;
}
