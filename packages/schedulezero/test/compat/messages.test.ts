import { describe, expect, it } from 'vitest';
import { originalResult, originalStatus } from '../../src/compat/original/executions.js';
import { originalTrigger } from '../../src/compat/original/trigger.js';
import { parseRegistration } from '../../src/compat/zeromq/messages.js';
import { interpretReply } from '../../src/compat/zeromq/reply.js';
import type { RunRow } from '../../src/domain/types.js';

const frame = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('registration requests', () => {
  it('reads the original messages', () => {
    expect(parseRegistration(frame({ method: 'ping' }))).toEqual({ method: 'ping' });
    expect(parseRegistration(frame({ method: 'register', params: { handler_id: 'h-1', address: 'tcp://127.0.0.1:4244', methods: ['a', 'a', 'b'] } }))).toEqual({
      method: 'register',
      handler_id: 'h-1',
      address: 'tcp://127.0.0.1:4244',
      methods: ['a', 'b'],
    });
    // The original defaulted methods to [].
    expect(parseRegistration(frame({ method: 'register', params: { handler_id: 'h', address: 'ipc:///tmp/h.sock' } }))).toMatchObject({ methods: [] });
    expect(parseRegistration(frame({ method: 'report_status', params: { handler_id: 'h', status: 'offline' } }))).toEqual({
      method: 'report_status',
      handler_id: 'h',
      status: 'offline',
    });
  });

  it('answers everything else with the reason, never a throw', () => {
    expect(parseRegistration(frame('{oops'))).toMatch(/^Invalid JSON: /);
    expect(parseRegistration(Buffer.from([0xff, 0xfe, 0x00]))).toMatch(/^Invalid JSON/);
    expect(parseRegistration(frame({ method: 'x'.repeat(500) }))).toMatch(/^Unknown method: x{77}\.\.\.$/);
    expect(parseRegistration(frame({ method: 'report_status', params: { handler_id: 'h' } }))).toMatch(/params\.status/);
    expect(parseRegistration(frame({ method: 'register', params: { handler_id: 'h', address: 'tcp://127.0.0.1', methods: [] } }))).toMatch(/params\.address/);
    expect(parseRegistration(frame({ method: 'register', params: { handler_id: 'h', address: 'tcp://127.0.0.1:1', methods: 'a,b' } }))).toMatch(/params\.methods/);
  });
});

describe('handler replies', () => {
  it('reads {success, ...} as the original did', () => {
    expect(interpretReply(frame({ success: true, sum: 5 }), 'h')).toEqual({ sum: 5 });
    expect(interpretReply(frame({ sum: 5 }), 'h')).toEqual({ sum: 5 });
    expect(() => interpretReply(frame({ success: false, error: 'nope' }), 'h')).toThrow(expect.objectContaining({ name: 'HandlerError', message: 'nope' }));
    expect(() => interpretReply(frame({ success: false, error: { code: 7 } }), 'h')).toThrow('{"code":7}');
    const final = (() => {
      try {
        interpretReply(frame({ success: false, error: 'bad', retryable: false }), 'h');
      } catch (err) {
        return err as Error & { retryable?: boolean };
      }
    })();
    expect(final?.retryable).toBe(false);
    expect(() => interpretReply(frame('x'.repeat(1000)), 'h')).toThrow(/not JSON: "x{197}\.\.\."$/);
    expect(() => interpretReply(frame('null'), 'h')).toThrow(/expected a JSON object/);
  });
});

describe("the original's triggers", () => {
  it('takes any case of type and numeric strings for interval amounts', () => {
    expect(originalTrigger({ type: 'Interval', minutes: '1.5', seconds: 3 })).toEqual({ type: 'interval', minutes: 1.5, seconds: 3 });
    expect(originalTrigger({ type: 'cron', hour: '*/2' })).toEqual({ type: 'cron', hour: '*/2' });
    expect(() => originalTrigger({ type: 'interval', seconds: ' ' })).toThrow(/trigger\.seconds must be a number/);
    expect(() => originalTrigger({})).toThrow(/Unsupported trigger type: ""/);
  });
});

describe('execution records', () => {
  it("speaks the original's status words and result shape", () => {
    const run = (status: RunRow['status']) => ({ status }) as RunRow;
    expect(['succeeded', 'failed', 'timed_out', 'lost', 'queued', 'running', 'cancelled'].map((s) => originalStatus(run(s as RunRow['status'])))).toEqual([
      'success',
      'error',
      'error',
      'error',
      'retry',
      'running',
      'cancelled',
    ]);
    expect(originalResult({ a: 1 })).toEqual({ success: true, a: 1 });
    expect(originalResult([1])).toEqual({ success: true, result: [1] });
    expect(originalResult(null)).toEqual({ success: true });
  });
});
