import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, type Authenticator } from '../../api/auth.js';
import type { Store } from '../../store/store.js';

/**
 * Portal sign-in. The portal uses the API's credentials: when any API token exists, a person
 * signs in with one on /login and gets a signed, HttpOnly session cookie that names the token's
 * hash (never the token) and an expiry. Revoking the token ends its sessions.
 */
export const SESSION_COOKIE = 'sz_session';
const SESSION_MS = 12 * 3600_000;
const SECRET_KEY = 'portal.cookie_secret';

/** The cookie-signing secret, kept in the database so that sessions survive restarts. */
export async function cookieSecret(store: Store): Promise<string> {
  const existing = await store.getMeta(SECRET_KEY);
  if (existing) return existing;
  // Nodes starting together on a fresh database: the first secret written is everyone's.
  return store.claimMeta(SECRET_KEY, randomBytes(32).toString('base64url'));
}

export class Sessions {
  constructor(private readonly auth: Authenticator) {}

  enabled(): Promise<boolean> {
    return this.auth.enabled();
  }

  /** Sign in with an API token; false when it is not valid. */
  async signIn(token: string, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const hash = hashToken(token.trim());
    if (!(await this.auth.verifyHash(hash))) return false;
    reply.setCookie(SESSION_COOKIE, `${hash}.${Date.now() + SESSION_MS}`, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      signed: true,
      maxAge: SESSION_MS / 1000,
    });
    return true;
  }

  signOut(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /** A valid session cookie, or a valid bearer token (scripts may read portal pages too). */
  async isSignedIn(request: FastifyRequest): Promise<boolean> {
    const raw = request.cookies[SESSION_COOKIE];
    if (raw) {
      const unsigned = request.unsignCookie(raw);
      if (unsigned.valid && unsigned.value) {
        const [hash, expires] = unsigned.value.split('.');
        if (hash && Number(expires) > Date.now() && (await this.auth.verifyHash(hash))) return true;
      }
    }
    return request.headers.authorization ? this.auth.verify(request.headers.authorization) : false;
  }
}

/** Where to go after signing in: only a path of this site (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}
