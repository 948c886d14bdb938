import { EventStream } from '../../../server/event-stream.js';
import type { SafeHtml } from '../../html.js';

export { formatEvent, SSE_HEADERS } from '../../../server/event-stream.js';

/** One open event stream. Remembers what each event last carried, to send only changes. */
export class SseClient extends EventStream {
  /** False until the client has its snapshot: live updates before that would be overwritten by it. */
  ready = false;
  /** Panels the live stream sent to others while this client waited for its snapshot. */
  readonly missed = new Set<string>();
  private readonly last = new Map<string, string>();

  /** Sends the event unless it carries what the client has already; true when sent. */
  send(event: string, body: SafeHtml): boolean {
    if (!this.open || this.last.get(event) === body.value) return false;
    this.last.set(event, body.value);
    this.event(event, body.value);
    return true;
  }
}
