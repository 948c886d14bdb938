/** Reading a server-sent event stream (text/event-stream) from a fetch response body. */

export interface ServerEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * The events of a stream, in order, as an EventSource would dispatch them: `event`, `data` (lines
 * joined with "\n") and `id` fields; comments (keep-alives) are skipped. Ends with the stream.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    // Lines end in "\n" or "\r\n" (a lone "\r", which the format also allows, is not used by
    // ScheduleZero and could be half of a "\r\n" split across chunks).
    const lines = buffer.split(/\r?\n/);
    // The last piece is a line still to be completed.
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  }
}
