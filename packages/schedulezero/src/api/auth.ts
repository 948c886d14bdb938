import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Store } from '../store/store.js';

/** API tokens are random and high-entropy, so a plain SHA-256 is a sound way to store them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return `sz_${randomBytes(32).toString('base64url')}`;
}

export interface AuthOptions {
  store: Store;
  /** Hashes of tokens given by configuration (environment or file), in addition to the database's. */
  configuredHashes: string[];
  /** Paths anyone may read (health checks for load balancers). */
  publicPaths: string[];
  /** Paths this hook guards with bearer tokens; the portal guards its own pages with sessions. */
  protects?: (path: string) => boolean;
}

const TOKEN_COUNT_TTL_MS = 5_000;

/**
 * One hook in front of every route. Authentication is on as soon as any token exists (in the
 * configuration or created with `schedulezero tokens create`); then every request but the public
 * ones needs `Authorization: Bearer <token>`.
 */
export class Authenticator {
  private dbHasTokens = false;
  private checkedAt = 0;
  private readonly configured: Set<string>;

  constructor(private readonly options: AuthOptions) {
    this.configured = new Set(options.configuredHashes);
  }

  async enabled(now = Date.now()): Promise<boolean> {
    if (this.configured.size > 0) return true;
    if (now - this.checkedAt > TOKEN_COUNT_TTL_MS) {
      this.dbHasTokens = (await this.options.store.listTokens()).length > 0;
      this.checkedAt = now;
    }
    return this.dbHasTokens;
  }

  async verify(header: string | undefined): Promise<boolean> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return false;
    return this.verifyHash(hashToken(match[1]!));
  }

  /** Is this SHA-256 token hash one of the accepted tokens (configured, or in the database and not revoked)? */
  async verifyHash(hash: string): Promise<boolean> {
    if (this.configured.has(hash)) return true;
    const row = await this.options.store.findTokenByHash(hash);
    if (!row) return false;
    // Recording every use would put a write on every request; once a minute is enough to see it.
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at > 60_000) await this.options.store.touchToken(row.id, now);
    return true;
  }

  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      const path = request.url.split('?')[0] ?? '';
      if (this.options.publicPaths.includes(path)) return;
      if (this.options.protects && !this.options.protects(path)) return;
      if (!(await this.enabled())) return;
      if (!(await this.verify(request.headers.authorization))) {
        throw new AppError(401, 'unauthorized', 'missing or invalid API token: send "Authorization: Bearer <token>"');
      }
    });
  }
}
