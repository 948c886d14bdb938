import { getRandomValues } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * Time-ordered ids (UUID v7): new runs land at the end of the primary-key index instead of at
 * random places in it, which keeps inserts cheap as the history grows.
 *
 * uuid asks the system for 16 random bytes per id, which costs microseconds per call; at tens of
 * thousands of runs a second that adds up, so the entropy is drawn 4 KiB at a time. The
 * millisecond and a counter within it (from a random start) are passed along, which keeps ids
 * from one process increasing.
 */
const pool = new Uint8Array(4096);
let offset = pool.length;
let lastMs = -1;
let seq = 0;

export function newId(): string {
  if (offset >= pool.length) {
    getRandomValues(pool);
    offset = 0;
  }
  const random = pool.subarray(offset, offset + 16);
  offset += 16;
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // A random start within the millisecond, as uuid itself does, so ids are not guessable.
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
  }
  return v7({ random, msecs: lastMs, seq });
}
