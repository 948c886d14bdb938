import type { ServerResponse } from 'node:http';
import type { SafeHtml } from '../../html.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx buffers responses by default, which would hold events back.
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

/** A client that has not read this much of what it was sent is dropped (it reconnects and catches up). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * One event. A `data:` field ends at a line break, so markup spanning lines goes out as one
 * field per line; the browser joins them with "\n" again.
 */
export function formatEvent(event: string, data: string): string {
  return `event: ${event}\n${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;
}

/** One open event stream. Remembers what each event last carried, to send only changes. */
export class SseClient {
  /** False until the client has its snapshot: live updates before that would be overwritten by it. */
  ready = false;
  /** Panels the live stream sent to others while this client waited for its snapshot. */
  readonly missed = new Set<string>();
  private readonly last = new Map<string, string>();

  constructor(private readonly res: ServerResponse) {}

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** Sends the event unless it carries what the client has already; true when sent. */
  send(event: string, body: SafeHtml): boolean {
    if (!this.open || this.last.get(event) === body.value) return false;
    this.last.set(event, body.value);
    this.write(formatEvent(event, body.value));
    return true;
  }

  write(chunk: string): void {
    if (!this.open) return;
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.res.destroy();
      return;
    }
    this.res.write(chunk);
  }

  /** A comment line: keeps proxies from closing an idle stream. */
  ping(): void {
    this.write(': ping\n\n');
  }

  end(): void {
    if (this.open) this.res.end();
  }
}
