import type { Command } from 'commander';
import type { Store } from '../../store/store.js';
import { CliError } from '../client.js';
import { createPrinter, shortTime, table } from '../output.js';
import { newId } from '../../domain/ids.js';

/**
 * Token management works on the database directly (not through the API): the first token has to
 * come from somewhere, and whoever can read the database is the operator anyway.
 */
async function withStore<T>(database: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../../server/config.js');
  const { openStore } = await import('../../server/store-factory.js');
  const config = loadConfig({ databaseUrl: database });
  const store = await openStore(config.database_url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function registerTokenCommands(program: Command, json: () => boolean): void {
  const tokens = program.command('tokens').description('API tokens (stored hashed; a token is shown once)');

  tokens
    .command('create')
    .description('create an API token; once one exists, the API requires a token')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--database <url>', 'database URL (default from config/env)')
    .action(async (o: { name: string; database?: string }) => {
      const { generateToken, hashToken } = await import('../../api/auth.js');
      const token = generateToken();
      const row = { id: newId(), name: o.name, token_hash: hashToken(token), created_at: Date.now(), last_used_at: null };
      await withStore(o.database, (store) => store.insertToken(row));
      createPrinter(json()).data({ id: row.id, name: row.name, token }, () =>
        `created token ${row.id} (${row.name}). It is shown only this once:\n\n  ${token}\n\nUse it as: Authorization: Bearer <token>  (CLI: --token or SCHEDULEZERO_TOKEN)`,
      );
    });

  tokens
    .command('list')
    .description('list API tokens (never the tokens themselves)')
    .option('--database <url>', 'database URL (default from config/env)')
    .action(async (o: { database?: string }) => {
      const rows = await withStore(o.database, (store) => store.listTokens());
      const view = rows.map((r) => ({ id: r.id, name: r.name, created_at: new Date(r.created_at).toISOString(), last_used_at: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString() }));
      createPrinter(json()).data(view, () =>
        view.length === 0 ? 'no tokens: the API is open to loopback clients' : table(['ID', 'NAME', 'CREATED', 'LAST USED'], view.map((t) => [t.id, t.name, shortTime(t.created_at), shortTime(t.last_used_at)])),
      );
    });

  tokens
    .command('revoke <id>')
    .description('delete an API token')
    .option('--database <url>', 'database URL (default from config/env)')
    .action(async (id: string, o: { database?: string }) => {
      const deleted = await withStore(o.database, (store) => store.deleteToken(id));
      if (!deleted) throw new CliError(`no token with id ${id}`);
      createPrinter(json()).data({ revoked: id }, () => `revoked ${id}`);
    });
}
