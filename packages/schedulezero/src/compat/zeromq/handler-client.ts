import { Request } from 'zeromq';

/** Largest reply accepted from a handler; a bigger one drops the connection (and the call times out). */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export interface RequestOptions {
  /** Aborted on cancel, run timeout or shutdown. */
  signal?: AbortSignal;
  /** Give up (and fail the call) after this long without a reply. */
  timeoutMs: number;
}

/**
 * Talks to one handler's REP socket the way the original server did: a REQ socket, one JSON
 * frame out, one back. A REQ socket carries one request at a time, so calls that overlap (a
 * liveness probe beside a job) each take a socket from a small pool. A socket whose request was
 * abandoned (timeout, cancel) is stuck waiting for a reply that may never come: it is closed,
 * never reused.
 */
export class ZmqHandlerClient {
  private idle: Request[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(
    readonly address: string,
    /** Called whenever the handler answers (any answer shows that it is alive). */
    private readonly onAnswer: () => void = () => undefined,
  ) {}

  /** A request is waiting for the handler's reply. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Send one JSON request, resolve with the first frame of the reply. */
  async request(message: unknown, { signal, timeoutMs }: RequestOptions): Promise<Buffer> {
    if (this.closed) throw new Error(`the connection to ${this.address} is closed (server stopping or handler unregistered)`);
    signal?.throwIfAborted();
    const socket = this.idle.pop() ?? this.open();
    this.inFlight++;
    let reason: unknown = null;
    let reusable = false;
    const abandon = (why: unknown) => {
      reason ??= why;
      // Rejects the pending send/receive at once.
      if (!socket.closed) socket.close();
    };
    const onAbort = () => abandon(signal?.reason ?? new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => abandon(new Error(`no reply from the handler at ${this.address} within ${formatSeconds(timeoutMs)}`)), timeoutMs);
    try {
      await socket.send(JSON.stringify(message));
      const frames = await socket.receive();
      reusable = true;
      this.onAnswer();
      return frames[0] ?? Buffer.alloc(0);
    } catch (err) {
      if (reason !== null) throw reason;
      throw new Error(`ZeroMQ error talking to the handler at ${this.address}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.inFlight--;
      if (reusable && !this.closed && !socket.closed) this.idle.push(socket);
      else if (!socket.closed) socket.close();
    }
  }

  /** Close idle sockets now; sockets in use close when their request ends. */
  close(): void {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.close();
  }

  private open(): Request {
    // linger 0: a request still queued for a handler that is gone is dropped on close, not kept
    // to hold the process open.
    const socket = new Request({ linger: 0, maxMessageSize: MAX_REPLY_BYTES });
    socket.connect(this.address);
    return socket;
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
