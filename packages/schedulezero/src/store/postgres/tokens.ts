/** API tokens: only their SHA-256 hashes are stored. */
import { ConflictError } from '../../domain/errors.js';
import type { TokenRow } from '../../domain/types.js';
import { isUniqueViolation, type PgDatabase } from './database.js';
import { toToken, type TokenRecord } from './rows.js';

export async function insertToken(db: PgDatabase, token: TokenRow): Promise<void> {
  try {
    await db.query('INSERT INTO api_tokens (id, name, token_hash, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5)', [
      token.id,
      token.name,
      token.token_hash,
      token.created_at,
      token.last_used_at ?? null,
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('token_exists', 'A token with this id or hash exists already.');
    throw error;
  }
}

export async function findTokenByHash(db: PgDatabase, token_hash: string): Promise<TokenRow | null> {
  const row = await db.one<TokenRecord>('SELECT * FROM api_tokens WHERE token_hash = $1', [token_hash]);
  return row ? toToken(row) : null;
}

export async function touchToken(db: PgDatabase, id: string, now: number): Promise<void> {
  await db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, now]);
}

export async function listTokens(db: PgDatabase): Promise<TokenRow[]> {
  return (await db.query<TokenRecord>('SELECT * FROM api_tokens ORDER BY created_at, id')).map(toToken);
}

export async function deleteToken(db: PgDatabase, id: string): Promise<boolean> {
  return (await db.query<{ id: string }>('DELETE FROM api_tokens WHERE id = $1 RETURNING id', [id])).length > 0;
}
