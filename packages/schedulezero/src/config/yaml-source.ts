import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../server/config-error.js';

/**
 * A YAML config file kept with its source positions, so that every config problem (server or
 * portal) can be reported as `file:line:col: key: problem`.
 */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

export function readYamlFile(file: string, what = 'config file'): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the ${what} (${(err as Error).message})`);
  }
  return parseYamlText(file, text);
}

export function parseYamlText(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new ConfigError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  return { file, doc, lines, data: doc.toJS() ?? {} };
}

/**
 * `:line:col` of the node at `path` (keys and array indexes), or '' when it cannot be found.
 * An unknown key is reported where the key is written (`atKey`); a bad value where the value is.
 */
export function locate(source: YamlSource, path: (string | number)[], atKey: boolean): string {
  let node: unknown = source.doc.contents;
  let key: Node | null = null;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      key = (pair.key as Node) ?? key;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      key = (node as Node | null) ?? key;
    } else {
      break;
    }
  }
  const range = atKey ? key?.range : ((node as Node | null)?.range ?? key?.range);
  if (!range) return '';
  const { line, col } = source.lines.linePos(range[0]);
  return `:${line}:${col}`;
}

/** `microsites[2].path` from ['microsites', 2, 'path']. */
export function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out ? `.${step}` : step;
  return out || '(top level)';
}
