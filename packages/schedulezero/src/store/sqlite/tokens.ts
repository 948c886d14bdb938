/** API tokens: only their hashes are stored. */
import { ConflictError } from '../../domain/errors.js';
import type { TokenRow } from '../../domain/types.js';
import { type SqliteDatabase, isConstraint } from './database.js';
import { type TokenRecord, toToken } from './rows.js';

export function insertToken(db: SqliteDatabase, token: TokenRow): void {
  try {
    db.sql`
      INSERT INTO api_tokens (id, name, token_hash, created_at, last_used_at)
      VALUES (@id, @name, @token_hash, @created_at, @last_used_at)
    `.run({ ...token, last_used_at: token.last_used_at ?? null });
  } catch (error) {
    if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY') || isConstraint(error, 'SQLITE_CONSTRAINT_UNIQUE')) {
      throw new ConflictError('token_exists', 'A token with this id or hash exists already.');
    }
    throw error;
  }
}

export function findTokenByHash(db: SqliteDatabase, token_hash: string): TokenRow | null {
  const row = db.sql<TokenRecord>`SELECT * FROM api_tokens WHERE token_hash = ?`.get(token_hash);
  return row === undefined ? null : toToken(row);
}

export function touchToken(db: SqliteDatabase, id: string, now: number): void {
  db.sql`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`.run(now, id);
}

export function listTokens(db: SqliteDatabase): TokenRow[] {
  return db.sql<TokenRecord>`SELECT * FROM api_tokens ORDER BY created_at, id`.all().map(toToken);
}

export function deleteToken(db: SqliteDatabase, id: string): boolean {
  return db.sql`DELETE FROM api_tokens WHERE id = ?`.run(id).changes > 0;
}
