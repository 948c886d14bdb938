import { Router } from 'zeromq';
import { AppError, ConflictError, NotFoundError } from '../../domain/errors.js';
import type { Logger } from '../../domain/logger.js';
import type { Engine } from '../../engine/engine.js';
import type { LocalMethod } from '../../engine/local-worker.js';
import { zmqDirectory, type ZmqHandlerEntry } from './directory.js';
import { ZmqHandlerClient } from './handler-client.js';
import { failure, parseRegistration, type ZmqReply } from './messages.js';
import { interpretReply } from './reply.js';
import { loadRegistrations, saveRegistrations } from './saved.js';

export interface ZmqBridgeOptions {
  /** tcp://host:port of the registration socket (the original's 4242). */
  endpoint: string;
  logger: Logger;
  /** How often the original's handlers ping the server. Default 30 s. */
  pingIntervalMs?: number;
  /**
   * A handler with no sign of life for this many ping intervals is probed on its own socket and
   * unregistered when that goes unanswered. Default 3.
   */
  missedPings?: number;
  /** How long a liveness probe waits. Default 10 s (at most the silence window). */
  probeTimeoutMs?: number;
  /** Limit of a job call when its run has no timeout: the original's 30 s socket timeout. */
  callTimeoutMs?: number;
}

export interface ZmqBridge {
  /** The endpoint actually bound (with the real port when port 0 was asked for). */
  endpoint: string;
  close(): Promise<void>;
}

/** Registration requests are small; a bigger frame drops the sender's connection. */
const MAX_REQUEST_BYTES = 1024 * 1024;

interface Registration {
  entry: ZmqHandlerEntry;
  client: ZmqHandlerClient;
  /** Registration-socket connections (ROUTER identities) this handler registered through. */
  identities: Set<string>;
  probing: boolean;
}

/**
 * The original ScheduleZero's ZeroMQ transport. Handlers register on this socket
 * (`register`, `report_status`, `ping`) and receive jobs as `{"method", "params"}` on their own
 * REP socket; each becomes an in-process handler of the engine whose methods forward the job
 * there, so runs, retries, timeouts and history work as for any other handler.
 */
export async function startZmqBridge(engine: Engine, options: ZmqBridgeOptions): Promise<ZmqBridge> {
  const bridge = new ZmqBridgeServer(engine, options);
  await bridge.start();
  return { endpoint: bridge.endpoint, close: () => bridge.close() };
}

class ZmqBridgeServer {
  endpoint: string;
  /**
   * A ROUTER socket rather than the original's REP: REQ clients cannot tell the difference, and
   * the ROUTER tells which connection each message came from. The original's `ping` names no
   * handler; the connection it arrives on does.
   */
  private readonly router = new Router({ maxMessageSize: MAX_REQUEST_BYTES, linger: 0 });
  private readonly handlers = new Map<string, Registration>();
  private readonly byIdentity = new Map<string, string>();
  /** Connections of handlers unregistered for silence: their next ping is told to register again. */
  private readonly evicted = new Map<string, string>();
  private readonly directory: Map<string, ZmqHandlerEntry>;
  private readonly logger: Logger;
  private readonly silenceMs: number;
  private readonly probeTimeoutMs: number;
  private readonly callTimeoutMs: number;
  /** Registration changes happen one at a time, in order (socket messages and the sweeper). */
  private ops: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    options: ZmqBridgeOptions,
  ) {
    this.endpoint = options.endpoint;
    this.logger = options.logger;
    const pingInterval = options.pingIntervalMs ?? 30_000;
    this.silenceMs = pingInterval * (options.missedPings ?? 3);
    this.probeTimeoutMs = Math.min(options.probeTimeoutMs ?? 10_000, this.silenceMs);
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.directory = zmqDirectory(engine);
  }

  async start(): Promise<void> {
    try {
      await this.router.bind(this.endpoint);
    } catch (err) {
      this.router.close();
      throw new Error(
        `ZeroMQ: cannot bind the registration socket at ${this.endpoint}: ${(err as Error).message} ` +
          '(set another port with zmq.port in the config file or SCHEDULEZERO_ZMQ_PORT)',
      );
    }
    this.endpoint = this.router.lastEndpoint ?? this.endpoint;
    await this.restore();
    this.loop = this.serve();
    const sweepEvery = Math.max(20, Math.min(5_000, Math.floor(this.silenceMs / 3)));
    this.sweeper = setInterval(() => this.sweep(), sweepEvery);
    this.sweeper.unref();
    this.logger.info({ endpoint: this.endpoint, restored: this.handlers.size }, 'ZeroMQ registration socket listening');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.router.close();
    await this.loop;
    await this.ops.catch(() => undefined);
    // The registrations stay saved in the database (restored at the next start); their
    // in-process workers are stopped by the engine, which gives running jobs their grace.
    for (const registration of this.handlers.values()) {
      registration.client.close();
      registration.entry.registered = false;
    }
    this.handlers.clear();
  }

  // --- the registration socket ---------------------------------------------------------------

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.router) {
        const [identity, ...rest] = frames;
        if (!identity) continue;
        // A REQ peer sends [delimiter, payload]; a bare DEALER just [payload].
        const enveloped = rest.length >= 2 && rest[0]!.length === 0;
        const body = enveloped ? rest.slice(1) : rest;
        let reply: ZmqReply;
        try {
          reply = body.length === 1 ? await this.handle(identity.toString('hex'), body[0]!) : failure(`Invalid request: expected one JSON frame, got ${body.length}`);
        } catch (err) {
          this.logger.error({ err }, 'ZeroMQ registration request failed');
          reply = failure(`internal error: ${(err as Error).message}`);
        }
        try {
          await this.router.send(enveloped ? [identity, '', JSON.stringify(reply)] : [identity, JSON.stringify(reply)]);
        } catch (err) {
          if (!this.closed) this.logger.warn({ err }, 'could not send a ZeroMQ reply');
        }
      }
    } catch (err) {
      if (!this.closed) this.logger.error({ err }, 'the ZeroMQ registration socket stopped');
    }
  }

  private async handle(identity: string, frame: Buffer): Promise<ZmqReply> {
    const request = parseRegistration(frame);
    if (typeof request === 'string') {
      this.logger.warn({ error: request }, 'bad ZeroMQ registration request');
      return failure(request);
    }
    switch (request.method) {
      case 'ping': {
        const gone = this.evicted.get(identity);
        if (gone !== undefined) {
          this.evicted.delete(identity);
          return failure(`handler '${gone}' was unregistered after ${Number((this.silenceMs / 1000).toFixed(1))} s without a sign of life; register again`);
        }
        this.touchByIdentity(identity);
        return { success: true, message: 'pong' };
      }
      case 'register':
        return this.serial(() => this.register(request.handler_id, request.address, request.methods, identity));
      case 'report_status':
        return this.serial(() => this.reportStatus(request.handler_id, request.status, identity));
    }
  }

  private async register(id: string, address: string, methods: string[], identity: string): Promise<ZmqReply> {
    if (this.closed || !this.engine.isRunning) return failure('the server is shutting down; register again shortly');
    // A handler that registers again (it restarted, or lost its connection) starts afresh:
    // whatever it was running is gone with its old process and is retried per policy.
    const again = this.handlers.has(id);
    if (again) await this.drop(id, 're-registered');
    const registration = await this.attach(id, address, methods);
    if (typeof registration === 'string') {
      if (again) await this.persist();
      return failure(registration);
    }
    this.bind(identity, id, registration);
    await this.persist();
    const status = again ? 're-registered' : 'registered';
    this.logger.info({ handler: id, address, methods }, `ZeroMQ handler ${status}`);
    return { success: true, handler_id: id, address, status, methods, message: `Handler '${id}' ${status} successfully` };
  }

  private async reportStatus(id: string, status: string, identity: string): Promise<ZmqReply> {
    const registration = this.handlers.get(id);
    if (!registration) return failure('Handler not registered');
    if (status === 'offline') {
      this.logger.info({ handler: id }, 'ZeroMQ handler reported offline');
      await this.drop(id, 'offline');
      await this.persist();
    } else {
      this.bind(identity, id, registration);
      registration.entry.last_seen_at = Date.now();
    }
    return { success: true, handler_id: id, status };
  }

  // --- registrations -------------------------------------------------------------------------

  /** Register the handler with the engine; a string is the reason it could not be. */
  private async attach(id: string, address: string, methods: string[]): Promise<Registration | string> {
    const now = Date.now();
    const entry: ZmqHandlerEntry = { id, address, methods, registered_at: now, last_seen_at: now, registered: true };
    const client = new ZmqHandlerClient(address, () => {
      entry.last_seen_at = Date.now();
    });
    const where = (method: string) => `handler '${id}' at ${address} (method ${method})`;
    const forward = (method: string): LocalMethod => async (params, ctx) => {
      // With a run timeout the worker aborts ctx.signal at the deadline; without one, the
      // original's socket timeout applies, so that a silent handler cannot hold a run forever.
      const timeoutMs = ctx.deadline === null ? this.callTimeoutMs : Math.max(1, ctx.deadline.getTime() - Date.now()) + 1_000;
      const frame = await client.request({ method, params }, { signal: ctx.signal, timeoutMs });
      return interpretReply(frame, where(method));
    };
    try {
      // Concurrency 1, as the original: a handler's REP socket serves one request at a time.
      await this.engine.registerLocalHandler(id, Object.fromEntries(methods.map((m) => [m, forward(m)])), { concurrency: 1 });
    } catch (err) {
      client.close();
      if (err instanceof ConflictError) return `handler id '${id}' is taken by another kind of handler on this server (in-process, http or command); choose another handler_id`;
      if (err instanceof AppError) return err.message;
      throw err;
    }
    const registration: Registration = { entry, client, identities: new Set(), probing: false };
    this.handlers.set(id, registration);
    this.directory.set(id, entry);
    return registration;
  }

  private async drop(id: string, why: string): Promise<Registration | null> {
    const registration = this.handlers.get(id);
    if (!registration) return null;
    this.handlers.delete(id);
    registration.entry.registered = false;
    for (const identity of registration.identities) this.byIdentity.delete(identity);
    try {
      // No grace: the handler is gone (or has restarted); its running jobs end lost and are
      // retried per their policy.
      await this.engine.unregisterLocalHandler(id, 0);
    } catch (err) {
      if (!(err instanceof NotFoundError)) this.logger.error({ err, handler: id }, 'could not unregister a ZeroMQ handler');
    }
    registration.client.close();
    this.logger.debug({ handler: id, why }, 'ZeroMQ handler unregistered');
    return registration;
  }

  private bind(identity: string, id: string, registration: Registration): void {
    const previous = this.byIdentity.get(identity);
    if (previous !== undefined && previous !== id) this.handlers.get(previous)?.identities.delete(identity);
    this.byIdentity.set(identity, id);
    registration.identities.add(identity);
    this.evicted.delete(identity);
  }

  private touchByIdentity(identity: string): void {
    const id = this.byIdentity.get(identity);
    const registration = id === undefined ? undefined : this.handlers.get(id);
    if (registration) registration.entry.last_seen_at = Date.now();
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.ops.then(op, op);
    this.ops = next.catch(() => undefined);
    return next;
  }

  // --- liveness ------------------------------------------------------------------------------

  /**
   * Handlers silent for the whole window (no ping on their connection, no answer on their own
   * socket) are asked directly with a `ping` on their socket; no answer unregisters them. The
   * probe matters after a restart, when a handler's pings arrive on a new connection that no
   * registration names. The original's handlers ping from their own thread, busy or not, so a
   * busy handler whose ping connection has gone quiet is probed too (and, serving one request at
   * a time, cannot answer: it is unregistered and its job goes back to the retry policy). A busy
   * handler whose pings were never traced to it (one restored after a restart) is left to its
   * job's timeout.
   */
  private sweep(): void {
    if (this.closed) return;
    const now = Date.now();
    for (const [id, registration] of this.handlers) {
      if (now - registration.entry.last_seen_at < this.silenceMs || registration.probing) continue;
      if (registration.client.busy && registration.identities.size === 0) continue;
      registration.probing = true;
      registration.client
        .request({ method: 'ping', params: {} }, { timeoutMs: this.probeTimeoutMs })
        .then(
          () => undefined,
          () =>
            this.serial(async () => {
              // Re-registered or heard from meanwhile: nothing to do.
              if (this.handlers.get(id) !== registration || Date.now() - registration.entry.last_seen_at < this.silenceMs) return;
              this.logger.warn({ handler: id, address: registration.entry.address, silent_ms: Date.now() - registration.entry.last_seen_at }, 'ZeroMQ handler silent: unregistered');
              await this.drop(id, 'silent');
              for (const identity of registration.identities) this.evicted.set(identity, id);
              if (this.evicted.size > 10_000) this.evicted.clear();
              await this.persist();
            }),
        )
        .catch((err: unknown) => this.logger.error({ err, handler: id }, 'ZeroMQ liveness check failed'))
        .finally(() => {
          registration.probing = false;
        });
    }
  }

  // --- persistence ---------------------------------------------------------------------------

  private async persist(): Promise<void> {
    try {
      await saveRegistrations(this.engine.store, [...this.handlers.values()].map(({ entry }) => ({ id: entry.id, address: entry.address, methods: entry.methods })));
    } catch (err) {
      this.logger.error({ err }, 'could not save the ZeroMQ handler registrations');
    }
  }

  /**
   * Handlers registered before a restart keep their registration, as with the original's
   * registry file: they do not register again while their pings succeed. Dead ones fail the
   * liveness probe after the silence window.
   */
  private async restore(): Promise<void> {
    for (const { id, address, methods } of await loadRegistrations(this.engine.store, this.logger)) {
      const result = await this.attach(id, address, methods);
      if (typeof result === 'string') this.logger.warn({ handler: id, reason: result }, 'could not restore a ZeroMQ handler');
    }
  }
}
