/** Helpers every store (and the engine) shares for run log lines. */

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;
const encoder = new TextEncoder();
/** A surrogate without its pair: not a character, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A message as it is stored: lone surrogates (which UTF-8 cannot hold) become U+FFFD, and a
 * message over `maxBytes` of UTF-8 is cut on a character boundary and ends in "…".
 */
export function fitLine(message: string, maxBytes: number): string {
  const text = message.replace(LONE_SURROGATE, '\uFFFD');
  // A UTF-16 unit is at most 3 bytes of UTF-8: most lines need no counting at all.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  // encodeInto writes whole characters only, and says how many UTF-16 units it consumed.
  const { read } = encoder.encodeInto(text, new Uint8Array(Math.max(0, maxBytes - ELLIPSIS_BYTES)));
  return text.slice(0, read) + ELLIPSIS;
}

/** The smallest useful max_line_bytes: the ellipsis and one byte. */
export const MIN_LINE_BYTES = ELLIPSIS_BYTES + 1;
