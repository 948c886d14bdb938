import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE_SECONDS, signPayload, verifySignature } from '../../src/handlers/signature.js';

const secret = 'topsecret';
const body = '{"run_id":"r1","params":{"é":"€"}}';
const now = 1_760_000_000;

describe('webhook signatures', () => {
  it('is sha256= and the hex HMAC-SHA256 of "timestamp.body"', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`, 'utf8').digest('hex');
    expect(signPayload(secret, now, body)).toBe(`sha256=${expected}`);
    expect(signPayload(secret, String(now), Buffer.from(body))).toBe(`sha256=${expected}`);
  });

  it('verifies the right signature, from a string or the raw bytes', () => {
    const header = signPayload(secret, now, body);
    expect(verifySignature(secret, header, String(now), body, 300, now)).toBe(true);
    expect(verifySignature(secret, header, now, Buffer.from(body), 300, now + 10)).toBe(true);
    expect(verifySignature(secret, ` ${header} `, ` ${now} `, body, 300, now)).toBe(true);
  });

  it('refuses another secret, another body, another timestamp, and malformed headers', () => {
    const header = signPayload(secret, now, body);
    expect(verifySignature('other', header, now, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, now, `${body} `, 300, now)).toBe(false);
    expect(verifySignature(secret, header, now + 1, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header.slice(7), now, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header.toUpperCase(), now, body, 300, now)).toBe(false);
    expect(verifySignature(secret, `${header}00`, now, body, 300, now)).toBe(false);
    expect(verifySignature(secret, undefined, now, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, null, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, '17e8', body, 300, now)).toBe(false);
    expect(verifySignature('', signPayload('', now, body), now, body, 300, now)).toBe(false);
  });

  it('refuses timestamps outside the tolerance, either way (replays and clock games)', () => {
    const header = signPayload(secret, now, body);
    expect(DEFAULT_TOLERANCE_SECONDS).toBe(300);
    expect(verifySignature(secret, header, now, body, undefined, now + 300)).toBe(true);
    expect(verifySignature(secret, header, now, body, undefined, now + 301)).toBe(false);
    expect(verifySignature(secret, header, now, body, undefined, now - 301)).toBe(false);
    expect(verifySignature(secret, header, now, body, 10, now + 11)).toBe(false);
    // Default "now" is the real clock: a signature made now verifies, one from an hour ago does not.
    const fresh = Math.floor(Date.now() / 1000);
    expect(verifySignature(secret, signPayload(secret, fresh, body), fresh, body)).toBe(true);
    expect(verifySignature(secret, signPayload(secret, fresh - 3600, body), fresh - 3600, body)).toBe(false);
  });
});
