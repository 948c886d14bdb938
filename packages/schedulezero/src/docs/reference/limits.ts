import { asSchema, isObjectSchema, mapValues, typesOf, type JsonSchema } from './json-schema.js';
import { code } from './markdown-text.js';

/** Key patterns that allow any name: not worth saying. */
const ANY_NAME = new Set(['^.*$', '^(.*)$', '.*', '']);

const KIND_NAMES: Record<string, string> = { string: 'a string', array: 'a list', integer: 'an integer', number: 'a number', boolean: 'a boolean', object: 'a mapping' };

/** A schema's limits as short phrases ("not empty", "from 0 to 65535", "matches `^x$`"). */
export function limitPhrases(input: JsonSchema, deref: (node: JsonSchema) => JsonSchema): string[] {
  const node = deref(input);
  const out: string[] = [];
  const branches = node.anyOf ?? node.oneOf;
  if (branches) {
    const resolved = branches.map((b) => deref(asSchema(b))).filter((b) => !(typesOf(b).length === 1 && typesOf(b)[0] === 'null'));
    for (const b of resolved) {
      // With several kinds of value, say which kind a limit is for: "as a list: at least one item".
      const kind = resolved.length > 1 ? KIND_NAMES[typesOf(b)[0] ?? ''] : undefined;
      for (const c of limitPhrases(b, deref)) {
        const phrase = kind ? `as ${kind}: ${c}` : c;
        if (!out.includes(phrase)) out.push(phrase);
      }
    }
    return out;
  }
  if (isObjectSchema(node) && node.properties && Object.keys(node.properties).length > 0) return out;

  if (node.minLength !== undefined && node.maxLength !== undefined) out.push(`${node.minLength} to ${node.maxLength} characters`);
  else if (node.minLength === 1) out.push('not empty');
  else if (node.minLength !== undefined && node.minLength > 1) out.push(`at least ${node.minLength} characters`);
  else if (node.maxLength !== undefined) out.push(`at most ${node.maxLength} characters`);
  if (node.pattern !== undefined) out.push(`matches ${code(node.pattern)}`);
  if (node.format !== undefined) out.push(`format ${code(node.format)}`);

  const low = typeof node.exclusiveMinimum === 'number' ? { value: node.exclusiveMinimum, strict: true } : node.minimum !== undefined ? { value: node.minimum, strict: node.exclusiveMinimum === true } : null;
  const high = typeof node.exclusiveMaximum === 'number' ? { value: node.exclusiveMaximum, strict: true } : node.maximum !== undefined ? { value: node.maximum, strict: node.exclusiveMaximum === true } : null;
  if (low && high && !low.strict && !high.strict) out.push(`from ${low.value} to ${high.value}`);
  else {
    if (low) out.push(`${low.strict ? 'greater than' : 'at least'} ${low.value}`);
    if (high) out.push(`${high.strict ? 'less than' : 'at most'} ${high.value}`);
  }
  if (node.multipleOf !== undefined) out.push(`a multiple of ${node.multipleOf}`);

  if (node.minItems === 1) out.push('at least one item');
  else if (node.minItems !== undefined && node.minItems > 1) out.push(`at least ${node.minItems} items`);
  if (node.maxItems !== undefined) out.push(`at most ${node.maxItems} items`);
  if (node.uniqueItems) out.push('no item twice');
  if (node.items !== undefined && !Array.isArray(node.items)) {
    const each = limitPhrases(asSchema(node.items), deref);
    if (each.length > 0) out.push(`each item${each[0]!.startsWith('as ') ? ',' : ':'} ${each.join(', ')}`);
  }

  if (node.minProperties !== undefined) out.push(`at least ${node.minProperties} ${node.minProperties === 1 ? 'entry' : 'entries'}`);
  if (node.maxProperties !== undefined) out.push(`at most ${node.maxProperties} entries`);
  for (const { name, value } of mapValues(node)) {
    if (name !== null && !ANY_NAME.has(name)) out.push(`names match ${code(name)}`);
    const each = limitPhrases(value, deref);
    if (each.length > 0) out.push(`each value: ${each.join(', ')}`);
  }
  const names = node.propertyNames === undefined ? undefined : asSchema(node.propertyNames).pattern;
  if (names !== undefined && !ANY_NAME.has(names)) out.push(`names match ${code(names)}`);
  return out;
}
