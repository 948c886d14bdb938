import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument, YAMLParseError } from 'yaml';

/** Why the document cannot be served: shown to readers, so a message and a place, never a stack. */
export interface SpecProblem {
  /** The file as the caller named it (what the operator wrote in the config). */
  file: string;
  message: string;
  /** 1-based position of a parse error, when there is one. */
  line: number | null;
  column: number | null;
  /** The offending lines with a caret under the column (from the YAML parser), or null. */
  excerpt: string | null;
}

export type SpecResult = { ok: true; json: string; etag: string } | { ok: false; problem: SpecProblem };

/** Larger files are refused rather than parsed into memory on a request. */
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * An OpenAPI document in a JSON or YAML file, served as JSON. The converted document is kept in
 * memory and read again only when the file changes (its mtime, size or inode), so a spec edited
 * on disk shows on the next page load without restarting the server.
 */
export class SpecFile {
  private readonly path: string;
  private cached: { key: string; result: SpecResult } | null = null;

  constructor(private readonly file: string) {
    this.path = resolve(file);
  }

  async load(): Promise<SpecResult> {
    let info;
    try {
      info = await stat(this.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return this.fail(code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code ?? 'error'})`);
    }
    if (!info.isFile()) return this.fail('this is not a file');
    if (info.size > MAX_BYTES) return this.fail(`the file is larger than ${MAX_BYTES / 1024 / 1024} MiB`);
    const key = `${info.mtimeMs}:${info.size}:${info.ino}`;
    if (this.cached?.key === key) return this.cached.result;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      return this.fail(`the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    // Failures are cached too: a broken file is parsed once per change, not once per request.
    const result = this.convert(text);
    this.cached = { key, result };
    return result;
  }

  private convert(text: string): SpecResult {
    const parsed = parseSpecText(text);
    if ('problem' in parsed) return { ok: false, problem: { file: this.file, ...parsed.problem } };
    const doc = parsed.value;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      return this.fail('this is not an OpenAPI document (expected a mapping at the top level)');
    }
    const version = (doc as Record<string, unknown>).openapi ?? (doc as Record<string, unknown>).swagger;
    if (typeof version !== 'string') {
      return this.fail('this is not an OpenAPI document (it has no "openapi" or "swagger" version field)');
    }
    const json = JSON.stringify(doc);
    return { ok: true, json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 22)}"` };
  }

  private fail(message: string): SpecResult {
    return { ok: false, problem: { file: this.file, message, line: null, column: null, excerpt: null } };
  }
}

type Parsed = { value: unknown } | { problem: Omit<SpecProblem, 'file'> };

/**
 * JSON is tried first (fast, and exact for .json files); YAML, a superset of JSON, reads the
 * rest and says where a broken file goes wrong. Duplicate keys are errors; alias expansion is
 * capped by the yaml package (no "billion laughs").
 */
export function parseSpecText(text: string): Parsed {
  const body = text.replace(/^\uFEFF/, '');
  if (/^\s*[{[]/.test(body)) {
    try {
      return { value: JSON.parse(body) as unknown };
    } catch {
      // Not strict JSON (a trailing comma, a comment): YAML may still read it, or locate the error.
    }
  }
  const doc = parseDocument(body);
  const error = doc.errors[0];
  if (error) return { problem: yamlProblem(error) };
  try {
    return { value: doc.toJS() as unknown };
  } catch (err) {
    // toJS throws for too many aliases and similar: no position, but a message.
    return { problem: { message: `not valid YAML: ${(err as Error).message}`, line: null, column: null, excerpt: null } };
  }
}

function yamlProblem(error: YAMLParseError): Omit<SpecProblem, 'file'> {
  // The message is "<what> at line L, column C:\n\n<excerpt>"; the position is also in linePos.
  const [first = '', ...rest] = error.message.split('\n');
  const what = first.replace(/ at line \d+, column \d+:?$/, '');
  const pos = error.linePos?.[0];
  const excerpt = rest.join('\n').replace(/^\n+|\s+$/g, '');
  return {
    message: `not valid YAML: ${what}`,
    line: pos?.line ?? null,
    column: pos?.col ?? null,
    excerpt: excerpt === '' ? null : excerpt,
  };
}

/** "line 3, column 10: not valid YAML: ..." — one line, for JSON errors and logs. */
export function describeProblem(problem: SpecProblem): string {
  const where = problem.line === null ? '' : ` (line ${problem.line}${problem.column === null ? '' : `, column ${problem.column}`})`;
  return `The OpenAPI file ${problem.file} cannot be served${where}: ${problem.message}.`;
}
