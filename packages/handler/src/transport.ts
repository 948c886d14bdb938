import http from 'node:http';
import https from 'node:https';

/** One HTTP exchange, as the protocol client needs it. */
export interface HttpRequest {
  method: 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** Sends requests; rejects on network errors and aborts. `close()` releases kept-alive sockets. */
export interface Transport {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

/**
 * The default transport: node:http(s) with a keep-alive agent of its own. Unlike fetch (undici),
 * aborting a long poll here leaves no connection behind, and close() drops idle sockets at once.
 */
export function nodeTransport(): Transport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  return {
    request({ method, url, headers, body, signal }) {
      return new Promise<HttpResponse>((resolve, reject) => {
        const target = new URL(url);
        const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
        const send = protocol === 'https:' ? https.request : http.request;
        const outgoing = send(
          target,
          {
            method,
            headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
            agent: agents[protocol],
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
            res.on('close', () => {
              if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
            });
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** A transport over a fetch function (a custom one, e.g. with a proxy, or for tests). */
export function fetchTransport(fetchFn: typeof fetch): Transport {
  return {
    async request({ method, url, headers, body, signal }) {
      const res = await fetchFn(url, { method, headers, signal, ...(body !== undefined ? { body } : {}) });
      return { status: res.status, text: await res.text() };
    },
    close() {},
  };
}
