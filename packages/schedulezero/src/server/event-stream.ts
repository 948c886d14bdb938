import type { ServerResponse } from 'node:http';

/**
 * Server-sent events, written by hand on the raw response (the API's log stream, the portal's
 * live dashboard and run pages): the headers, the event format, and one open stream with
 * back-pressure.
 */
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
 * One event. A `data:` field ends at a line break, so text spanning lines goes out as one field
 * per line; the browser joins them with "\n" again. `id` lets a client resume (Last-Event-ID).
 */
export function formatEvent(event: string, data: string, id?: number | string): string {
  const lines = data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines}\n`;
}

/** One open event stream. */
export class EventStream {
  constructor(protected readonly res: ServerResponse) {}

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  event(event: string, data: string, id?: number | string): void {
    this.write(formatEvent(event, data, id));
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
