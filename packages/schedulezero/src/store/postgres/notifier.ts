import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { LogActivity, StoreEvent } from '../store.js';
import type { ConnectionWatch } from './connection-watch.js';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well below. */
const MAX_PAYLOAD = 7000;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/** What travels in a notification: the sending node, and what changed. */
interface Payload {
  n: string;
  /** Schedules changed. */
  s?: 1;
  /** Handlers with runs that may be claimable. */
  h?: string[];
  /** Runs that changed (live views of the other nodes show them). */
  r?: string[];
  /** Log lines stored: [run id, first seq, last seq, truncated 0/1]. */
  l?: [string, number, number, number][];
  /** Handlers whose workers declared method info (schemas) anew. */
  m?: string[];
}

export interface NotifierOptions {
  url: string;
  schema: string;
  /** Sends one notification (through the store's pool). */
  send(channel: string, payload: string): Promise<unknown>;
  /** Told when the LISTEN connection drops and comes back (the pool's watch: one log line per outage). */
  watch?: ConnectionWatch;
}

/**
 * Wake-ups between the nodes sharing one schema, over LISTEN/NOTIFY. One dedicated connection
 * listens (opened on the first subscriber, re-opened with backoff when it drops: a database
 * restart must not take the node down: exponential backoff with jitter, 100 ms doubling to 5 s,
 * so a fleet of nodes does not reconnect in lockstep); announcements go through the pool and are coalesced,
 * one notification per flush, at most one flush in flight, so a burst of inserts costs a few
 * NOTIFYs. Delivery is best effort: whoever listens also re-checks on a slow timer.
 */
export class PgNotifier {
  /** Tells this node's notifications from the others' (PostgreSQL echoes them to the sender). */
  readonly nodeId = randomBytes(8).toString('hex');
  readonly channel: string;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private client: pg.Client | null = null;
  private connecting = false;
  private everConnected = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs = MIN_BACKOFF_MS;
  private readonly pendingHandlers = new Set<string>();
  private pendingSchedules = false;
  private readonly pendingRuns = new Set<string>();
  private pendingLogs: LogActivity[] = [];
  private readonly pendingMethodInfo = new Set<string>();
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: NotifierOptions) {
    const name = `schedulezero_${options.schema}`;
    // Channel names are identifiers: at most 63 bytes.
    this.channel = name.length <= 63 ? name : `schedulezero_${createHash('sha1').update(options.schema).digest('hex').slice(0, 24)}`;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  announce(event: StoreEvent): void {
    if (this.closed) return;
    // A resync is local (this node's connection came back); the others need no word of it.
    if (event.kind === 'resync') return;
    if (event.kind === 'schedules') this.pendingSchedules = true;
    else if (event.kind === 'runs') for (const h of event.handlers) this.pendingHandlers.add(h);
    else {
      for (const id of event.runs) this.pendingRuns.add(id);
      this.pendingLogs.push(...event.logs);
      for (const h of event.methodInfo ?? []) this.pendingMethodInfo.add(h);
    }
    if (!this.flushing) {
      this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    }
  }

  async close(): Promise<void> {
    // What was announced before the close still goes out (the pool closes after this).
    while (this.flushing) await this.flushing;
    this.closed = true;
    this.listeners.clear();
    this.disconnect();
  }

  private async flush(): Promise<void> {
    try {
      while (this.pendingSchedules || this.pendingHandlers.size > 0 || this.pendingRuns.size > 0 || this.pendingLogs.length > 0 || this.pendingMethodInfo.size > 0) {
        const payloads = this.payloads();
        for (const payload of payloads) {
          await this.options.send(this.channel, payload).catch(() => undefined);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** The pending announcements as notifications, each below the payload limit. */
  private payloads(): string[] {
    const out: string[] = [];
    let current: Payload = { n: this.nodeId };
    if (this.pendingSchedules) current.s = 1;
    this.pendingSchedules = false;
    for (const handler of this.pendingHandlers) {
      const next = { ...current, h: [...(current.h ?? []), handler] };
      if (current.h && JSON.stringify(next).length > MAX_PAYLOAD) {
        out.push(JSON.stringify(current));
        current = { n: this.nodeId, h: [handler] };
      } else {
        current = next;
      }
    }
    this.pendingHandlers.clear();
    // Activity goes in notifications of its own, split at the payload limit like the handlers.
    const activity: Payload[] = [];
    let part: Payload = { n: this.nodeId };
    let size = JSON.stringify(part).length;
    const room = (extra: number) => {
      if (size + extra > MAX_PAYLOAD) {
        activity.push(part);
        part = { n: this.nodeId };
        size = JSON.stringify(part).length;
      }
      size += extra;
    };
    for (const id of this.pendingRuns) {
      room(id.length + 8);
      (part.r ??= []).push(id);
    }
    for (const log of this.pendingLogs) {
      room(log.run_id.length + 40);
      (part.l ??= []).push([log.run_id, log.from, log.to, log.truncated ? 1 : 0]);
    }
    for (const handler of this.pendingMethodInfo) {
      room(handler.length + 8);
      (part.m ??= []).push(handler);
    }
    this.pendingRuns.clear();
    this.pendingLogs = [];
    this.pendingMethodInfo.clear();
    if (part.r || part.l || part.m) activity.push(part);
    if (current.s || current.h) out.push(JSON.stringify(current));
    for (const p of activity) out.push(JSON.stringify(p));
    return out;
  }

  private receive(text: string | undefined): void {
    let payload: Payload;
    try {
      payload = JSON.parse(text ?? '') as Payload;
    } catch {
      return;
    }
    if (!payload || payload.n === this.nodeId) return;
    if (payload.s) this.emit({ kind: 'schedules' });
    if (Array.isArray(payload.h) && payload.h.length > 0) this.emit({ kind: 'runs', handlers: payload.h.filter((h) => typeof h === 'string') });
    const runs = Array.isArray(payload.r) ? payload.r.filter((id): id is string => typeof id === 'string') : [];
    const logs = Array.isArray(payload.l)
      ? payload.l
          .filter((l) => Array.isArray(l) && typeof l[0] === 'string' && Number.isInteger(l[1]) && Number.isInteger(l[2]))
          .map(([run_id, from, to, truncated]) => ({ run_id, from, to, truncated: truncated === 1 }))
      : [];
    const methodInfo = Array.isArray(payload.m) ? payload.m.filter((h): h is string => typeof h === 'string') : [];
    if (runs.length > 0 || logs.length > 0 || methodInfo.length > 0) this.emit({ kind: 'activity', runs, logs, methodInfo });
  }

  private emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the others (nor the connection).
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.closed || this.connecting || this.client || this.listeners.size === 0) return;
    this.connecting = true;
    // keepAlive: a connection to a server that vanished without a word (host down, network cut)
    // is found dead by TCP instead of listening to nothing forever.
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 5_000, keepAlive: true });
    const lost = (err?: unknown) => this.lost(client, err);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.receive(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      this.connecting = false;
      this.options.watch?.lost(err);
      client.removeListener('end', lost);
      await client.end().catch(() => undefined);
      this.retry();
      return;
    }
    this.connecting = false;
    if (this.closed || this.listeners.size === 0) {
      client.removeListener('end', lost);
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = MIN_BACKOFF_MS;
    this.options.watch?.restored();
    // Notifications sent while the connection was down are lost, and whatever fell due or
    // was queued meanwhile waits: have the listeners look at everything again.
    if (this.everConnected) this.emit({ kind: 'resync' });
    this.everConnected = true;
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    this.options.watch?.lost(err ?? new Error('LISTEN connection ended'));
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.listeners.size === 0 || this.reconnectTimer) return;
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private disconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
    }
  }
}
