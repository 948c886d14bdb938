import { waitFor } from './helpers.js';

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Reads a server-sent event stream over real HTTP as an EventSource would, until it ends or is closed. */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  let comments = 0;
  let ended = false;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let id: string | null = null;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments++;
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ id, event, data: data.join('\n') });
        }
      }
    } catch {
      // closed by the test
    } finally {
      ended = true;
    }
  })();
  return {
    res,
    events,
    get comments() {
      return comments;
    },
    get ended() {
      return ended;
    },
    /** The first event (from index `from` on) that matches. */
    next(match: (e: SseEvent) => boolean, from = 0, timeoutMs = 5000): Promise<SseEvent> {
      return waitFor(() => events.slice(from).find(match), timeoutMs);
    },
    /** Resolves when the server has ended the stream. */
    finished(timeoutMs = 5000): Promise<boolean> {
      return waitFor(() => ended, timeoutMs);
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}
