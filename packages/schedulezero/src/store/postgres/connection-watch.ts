import { silentLogger, type Logger } from '../../domain/logger.js';

/** SQLSTATEs that mean the session is gone or cannot be had: not the statement's fault. */
const CONNECTION_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping (pg_ctl stop -m fast)
  '57P02', // crash_shutdown: another backend crashed, everyone is thrown out
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an error from the driver means the connection failed (server down, restarting,
 * socket dropped) rather than the SQL: such a client must not be reused, and the failure says
 * nothing about the data. The driver's own messages have no code, hence the text match.
 */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || CONNECTION_SQLSTATES.has(code) || SOCKET_CODES.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended/i.test(message);
}

/**
 * Whether this node can reach its database, as seen by every connection it uses (pool and
 * LISTEN). During an outage every loop fails on every tick; this turns that into one warning
 * when the outage starts and one line when it ends, with how long it lasted.
 */
export class ConnectionWatch {
  private lostAt: number | null = null;

  constructor(private readonly logger: Logger = silentLogger) {}

  /** Whether the last thing seen was a connection failure. */
  get down(): boolean {
    return this.lostAt !== null;
  }

  /** A connection failed. Logged once per outage, not per failed query or reconnect attempt. */
  lost(error: unknown): void {
    if (this.lostAt !== null) return;
    this.lostAt = Date.now();
    this.logger.warn({ err: describe(error) }, 'database connection lost; reconnecting');
  }

  /** Something reached the database: the outage, if there was one, is over. */
  restored(): void {
    if (this.lostAt === null) return;
    const down_ms = Date.now() - this.lostAt;
    this.lostAt = null;
    this.logger.info({ down_ms }, 'database connection restored');
  }
}

/** A short description (the full error object of a dropped socket is large and repetitive). */
function describe(error: unknown): { message: string; code?: string } {
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return typeof e?.code === 'string' ? { message, code: e.code } : { message };
}
