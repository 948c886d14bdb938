import type { ErrorObject } from 'ajv';
import { formatPath, locate, type YamlSource } from './yaml-source.js';

function toPath(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
}

/**
 * A JSON Schema validation failure of a YAML config file, in words and at its place:
 * `file:line:col: key.path: what was expected (got "value")`. Ajv reports one error per branch
 * of a union; the deepest path wins and the generic "anyOf"/"type" errors lose.
 */
export function describeSchemaError(source: YamlSource, errors: ErrorObject[]): string {
  const ranked = [...errors].sort((a, b) => {
    const depth = toPath(b.instancePath).length - toPath(a.instancePath).length;
    if (depth !== 0) return depth;
    return Number(a.keyword === 'anyOf' || a.keyword === 'type') - Number(b.keyword === 'anyOf' || b.keyword === 'type');
  });
  const err = ranked[0]!;
  const path = toPath(err.instancePath);
  const params = err.params as Record<string, unknown>;
  let message = err.message ?? 'is invalid';
  let atKey = false;
  if (err.keyword === 'enum') message = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  else if (err.keyword === 'required') {
    path.push(String(params.missingProperty));
    message = 'is required';
    atKey = true;
  } else if (err.keyword === 'additionalProperties') {
    path.push(String(params.additionalProperty));
    message = 'is not a known key';
    atKey = true;
  } else if (err.keyword === 'pattern' || err.keyword === 'anyOf') {
    const description = (err.parentSchema as { description?: string } | undefined)?.description;
    if (err.keyword === 'anyOf') message = 'is not one of the allowed forms';
    if (description) message += ` (${description})`;
  }
  const got = valueAt(source.data, path);
  const shown = got === undefined || typeof got === 'object' ? '' : ` (got ${JSON.stringify(got)})`;
  return `${source.file}${locate(source, path, atKey)}: ${formatPath(path)}: ${message}${shown}`;
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let node = data;
  for (const step of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

