import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/handlers/signature.js';
import type { RunningServer } from '../../src/server/server.js';
import { client, tempDir } from '../helpers.js';
import { json, settled, startReceiver, startWithRegistry, type Receiver } from './support.js';

const SECRET = 'hook-secret-for-tests-0123456789';
process.env.SZ_TEST_HOOK_SECRET = SECRET;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(answer: Parameters<typeof startReceiver>[0], handlerYaml: (url: string) => string): Promise<{ server: RunningServer; receiver: Receiver }> {
  const receiver = await startReceiver(answer);
  cleanup.push(() => receiver.close());
  const dir = tempDir('sz-http-');
  cleanup.push(() => dir.cleanup());
  const server = await startWithRegistry(dir.path, `handlers:\n${handlerYaml(receiver.url)}`);
  cleanup.push(() => server.close());
  return { server, receiver };
}

/** An http handler `hook` with methods `notify` (signed, 5 s timeout) and `quick` (0.5 s timeout). */
const hook = (url: string, extra = '') => `
  - id: hook
    type: http
    url: ${url}/jobs?token=abc
    secret_env: SZ_TEST_HOOK_SECRET
    headers:
      X-Custom: custom-value
      Content-Type: text/plain
${extra}    methods:
      notify:
        timeout_seconds: 5
        retry: { max_attempts: 3, initial_delay_seconds: 0 }
      quick:
        timeout_seconds: 0.5
`;

describe('http (webhook) handler', () => {
  it('POSTs the job as signed JSON with the timestamp, run and attempt headers, and stores the JSON answer', async () => {
    const { server, receiver } = await setup((_req, res) => json(res, 200, { ok: true, sent: 3 }), hook);
    const api = client(server.url);
    const created = await api('POST', '/api/v1/runs', { handler: 'hook', method: 'notify', params: { to: 'ops', n: 2 } });
    expect(created.status).toBe(202);
    const { run } = await settled(server.engine, created.body.id);
    expect(run.status).toBe('succeeded');
    expect(run.result).toEqual({ ok: true, sent: 3 });

    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/jobs?token=abc');
    // Ours win over the configured headers; the other configured ones are sent.
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-custom']).toBe('custom-value');
    expect(req.headers['x-schedulezero-run-id']).toBe(run.id);
    expect(req.headers['x-schedulezero-attempt']).toBe('1');

    const timestamp = req.headers['x-schedulezero-timestamp'] as string;
    expect(timestamp).toMatch(/^\d+$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
    const signature = req.headers['x-schedulezero-signature'] as string;
    // The documented format, computed here independently of the server's code.
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${req.body}`).digest('hex')}`;
    expect(signature).toBe(expected);
    expect(verifySignature(SECRET, signature, timestamp, req.body)).toBe(true);
    expect(verifySignature('another-secret', signature, timestamp, req.body)).toBe(false);
    expect(verifySignature(SECRET, signature, timestamp, req.body.replace('"ops"', '"all"'))).toBe(false);

    const body = JSON.parse(req.body);
    expect(body).toEqual({
      run_id: run.id,
      schedule_id: null,
      method: 'notify',
      params: { to: 'ops', n: 2 },
      attempt: 1,
      scheduled_at: new Date(run.scheduled_at).toISOString(),
      deadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(body.deadline) - Date.parse(body.scheduled_at)).toBeGreaterThanOrEqual(4000);
  });

  it('sends no signature header when the handler has no secret, and takes an empty 2xx as result null', async () => {
    const { server, receiver } = await setup(
      (_req, res) => {
        res.writeHead(204);
        res.end();
      },
      (url) => `
  - id: plain
    type: http
    url: ${url}/
    methods: { ping: null }
`,
    );
    const run = await server.engine.createRun({ handler: 'plain', method: 'ping', params: {} });
    const done = await settled(server.engine, run.id);
    expect(done.run.status).toBe('succeeded');
    expect(done.run.result).toBeNull();
    expect(receiver.requests[0]!.headers['x-schedulezero-signature']).toBeUndefined();
    expect(receiver.requests[0]!.headers['x-schedulezero-timestamp']).toMatch(/^\d+$/);
  });

  it('retries 5xx answers by the run policy: with max_attempts 3 it succeeds on the third', async () => {
    let calls = 0;
    const { server, receiver } = await setup((_req, res) => {
      calls++;
      if (calls <= 2) json(res, 503, { error: 'busy' });
      else json(res, 200, { done: true });
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(3);
    expect(done.result).toEqual({ done: true });
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(attempts[0]!.error?.message).toContain('answered 503 Service Unavailable');
    expect(attempts[0]!.error?.message).toContain('busy');
    expect(receiver.requests.map((r) => r.headers['x-schedulezero-attempt'])).toEqual(['1', '2', '3']);
    // Each attempt is signed afresh.
    for (const r of receiver.requests) {
      expect(verifySignature(SECRET, r.headers['x-schedulezero-signature'] as string, r.headers['x-schedulezero-timestamp'] as string, r.body)).toBe(true);
    }
  });

  it('fails a 4xx answer without retrying, naming the status and an escaped excerpt of the body', async () => {
    const { server, receiver } = await setup((_req, res) => {
      res.writeHead(422, { 'content-type': 'text/plain' });
      res.end(`bad "to" field\nline two\u0007${'x'.repeat(5000)}`);
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(done.error?.retryable).toBe(false);
    expect(done.error?.message).toContain('answered 422 Unprocessable Entity');
    expect(done.error?.message).toContain('bad \\"to\\" field\\nline two\\u0007');
    expect(done.error?.message).not.toContain('\n');
    expect(done.error!.message.length).toBeLessThan(500);
    // Errors name the address without its query string (tokens live there).
    expect(done.error?.message).toContain(`POST ${receiver.url}/jobs`);
    expect(done.error?.message).not.toContain('token=abc');
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests).toHaveLength(1);
  });

  it('fails a 2xx whose body is not JSON without retrying (the receiver may have done the work)', async () => {
    const { server, receiver } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>done</html>');
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(done.error?.message).toMatch(/answered 200 OK but the body is not JSON \(body "<html>done<\/html>"\); not retried/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('fails a 2xx whose body breaks off without retrying', async () => {
    const { server, receiver } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 50);
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(done.error?.message).toContain(
      '/jobs answered 200 but its body could not be read (the connection was closed before a complete response); not retried, the receiver may have done the work',
    );
    expect(receiver.requests).toHaveLength(1);
  });

  it('does not follow redirects: a 3xx fails without retry and names where it pointed', async () => {
    const { server, receiver } = await setup((req, res) => {
      res.writeHead(307, { location: '/elsewhere?secret=1' });
      res.end();
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(done.error?.message).toContain(`answered 307 Temporary Redirect to ${receiver.url}/elsewhere: redirects are not followed`);
    expect(receiver.requests.map((r) => r.url)).toEqual(['/jobs?token=abc']);
  });

  it('fails a 2xx body over the size cap without reading it all', async () => {
    const { server } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`["${'a'.repeat(2 * 1024 * 1024)}"]`);
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(1);
    expect(done.error?.message).toContain('with a body over 1048576 bytes');
  });

  it('times out a receiver that never answers: the run deadline ends it as timed_out', async () => {
    const { server, receiver } = await setup(() => {
      // never answer
    }, hook);
    const started = Date.now();
    const run = await server.engine.createRun({ handler: 'hook', method: 'quick', params: {} });
    const { run: done } = await settled(server.engine, run.id);
    expect(done.status).toBe('timed_out');
    expect(done.error?.message).toBe('timed out after 0.5 s');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(receiver.requests).toHaveLength(1);
  });

  it("applies the handler's per-request timeout_seconds and retries it as a retryable error", async () => {
    const { server, receiver } = await setup(
      () => undefined,
      (url) => `
  - id: slow
    type: http
    url: ${url}/
    timeout_seconds: 0.3
    methods:
      call:
        retry: { max_attempts: 2, initial_delay_seconds: 0 }
`,
    );
    const run = await server.engine.createRun({ handler: 'slow', method: 'call', params: {} });
    const { run: done, attempts } = await settled(server.engine, run.id);
    expect(done.status).toBe('failed');
    expect(attempts).toHaveLength(2);
    expect(done.error?.message).toContain("no complete answer within 0.3 s (the handler's timeout_seconds)");
    expect(done.error?.retryable).toBe(true);
    expect(receiver.requests).toHaveLength(2);
  });

  it('treats a closed connection and a garbage answer as retryable failures with a clear error', async () => {
    const { server } = await setup((req, res, raw) => {
      if (req.url.startsWith('/close')) raw.socket.destroy();
      else raw.socket.end('THIS IS NOT HTTP\r\n\r\n');
    }, (url) => `
  - id: closer
    type: http
    url: ${url}/close
    methods: { call: { retry: { max_attempts: 2, initial_delay_seconds: 0 } } }
  - id: garbage
    type: http
    url: ${url}/garbage
    methods: { call: null }
`);
    const [closer, garbage] = await server.engine.createRuns([
      { handler: 'closer', method: 'call', params: {} },
      { handler: 'garbage', method: 'call', params: {} },
    ]);
    const closed = await settled(server.engine, closer!.id);
    expect(closed.run.status).toBe('failed');
    expect(closed.attempts).toHaveLength(2);
    expect(closed.run.error?.message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/close failed: the connection was closed before a complete response$/);
    const junk = await settled(server.engine, garbage!.id);
    expect(junk.run.status).toBe('failed');
    expect(junk.run.error?.message).toMatch(/\/garbage failed: HPE_\w+: Response does not match the HTTP\/1.1 protocol/);
    expect(junk.run.error?.retryable).toBe(true);
  });

  it('a cancelled run aborts its request', async () => {
    let aborted = false;
    const { server, receiver } = await setup((_req, _res, raw) => {
      raw.socket.on('close', () => (aborted = true));
    }, hook);
    const run = await server.engine.createRun({ handler: 'hook', method: 'notify', params: {} });
    await receiver.nth(0);
    const cancelled = await client(server.url)('POST', `/api/v1/runs/${run.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const { run: done } = await settled(server.engine, run.id);
    expect(done.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 300));
    expect(aborted).toBe(true);
  });

  it('bad receivers do not stop other runs: a good run succeeds while others hang, close or answer garbage', async () => {
    const { server } = await setup((req, res, raw) => {
      if (req.url === '/good') json(res, 200, { fine: true });
      else if (req.url === '/close') raw.socket.destroy();
      else if (req.url === '/garbage') raw.socket.end('\u0000\u0001garbage');
      // /hang: never answers
    }, (url) => `
  - id: hang
    type: http
    url: ${url}/hang
    methods: { call: { timeout_seconds: 2 } }
  - id: close
    type: http
    url: ${url}/close
    methods: { call: null }
  - id: garbage
    type: http
    url: ${url}/garbage
    methods: { call: null }
  - id: good
    type: http
    url: ${url}/good
    methods: { call: null }
`);
    const bad = await server.engine.createRuns(['hang', 'close', 'garbage'].map((handler) => ({ handler, method: 'call', params: {} })));
    const good = await server.engine.createRun({ handler: 'good', method: 'call', params: {} });
    const ok = await settled(server.engine, good.id);
    expect(ok.run.status).toBe('succeeded');
    expect((await server.engine.getRun(bad[0]!.id)).run.status).toBe('running');
    const outcomes = await Promise.all(bad.map((r) => settled(server.engine, r.id)));
    expect(outcomes.map((o) => o.run.status)).toEqual(['timed_out', 'failed', 'failed']);
    expect((await client(server.url)('GET', '/api/v1/health')).status).toBe(200);
  });
});
