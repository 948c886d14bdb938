/** JSON values, as the protocol carries them (params, results). */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A handler's return value as JSON: `undefined` becomes `null`, `Date`s their ISO string, and
 * anything JSON cannot represent (BigInt, cycles, a bare function) is a TypeError.
 * Returns the value and the size of its encoding in bytes.
 */
export function toJson(value: unknown): { value: JsonValue; bytes: number } {
  const text = JSON.stringify(value === undefined ? null : value);
  if (text === undefined) throw new TypeError(`a ${typeof value} is not a JSON value`);
  return { value: JSON.parse(text) as JsonValue, bytes: Buffer.byteLength(text, 'utf8') };
}
