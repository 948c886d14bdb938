import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createMarkdown, renderMarkdown } from '../../src/docs/markdown.js';
import { schemaToMarkdown } from '../../src/docs/reference/json-schema-markdown.js';
import { code, cell } from '../../src/docs/reference/markdown-text.js';
import { referencePages, referenceSpecs } from '../../src/docs/reference/pages.js';
import { REPO_DOCS_DIR, writeReferencePages } from '../../src/docs/reference/write.js';
import { DocSite } from '../../src/docs/site.js';
import { loadHandlerRegistry } from '../../src/handlers/registry.js';
import { readPortalConfig } from '../../src/portal/config/load.js';
import { readConfigFile } from '../../src/server/config.js';
import { tempDir } from '../helpers.js';

/** The rows of the table under a section heading, as arrays of cells (pipes unescaped). */
function table(markdown: string, heading: string): string[][] {
  const text = `\n${markdown}`;
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}" in:\n${markdown}`);
  const rest = text.slice(start + heading.length + 2);
  const lines = rest.split('\n');
  const first = lines.findIndex((l) => l.startsWith('| Key |'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(2, -2)
        .split(/ (?<!\\)\| /)
        .map((c) => c.replace(/\\\|/g, '|')),
    );
  }
  return rows;
}

function row(markdown: string, heading: string, key: string): { type: string; default: string; required: string; description: string } {
  const found = table(markdown, heading).find((cells) => cells[0] === code(key));
  if (!found) throw new Error(`no row ${key} under ${heading}`);
  const [, type, fallback, required, description] = found as [string, string, string, string, string];
  return { type, default: fallback, required, description };
}

/** Every `#fragment` a page links to is the id of one of its headings. */
function brokenAnchors(markdown: string): string[] {
  const { html } = renderMarkdown(createMarkdown(), markdown, { file: 'page.md' });
  const ids = new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
  return [...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!).filter((id) => !ids.has(id));
}

describe('schemaToMarkdown', () => {
  test('a nested object gets a section of its own, named by its dotted path, and the type links to it', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        name: { type: 'string', description: 'What it is called.' },
        branding: { type: 'object', properties: { colors: { type: 'object', properties: { primary_color: { type: 'string' } } } } },
      },
    });
    expect(md.split('\n').filter((l) => l.startsWith('## '))).toEqual(['## Top level', '## `branding`', '## `branding.colors`']);
    expect(row(md, '## Top level', 'branding').type).toBe('[object](#branding)');
    expect(row(md, '## `branding`', 'colors').type).toBe('[object](#brandingcolors)');
    expect(row(md, '## `branding.colors`', 'primary_color').type).toBe('string');
    expect(row(md, '## Top level', 'name').description).toBe('What it is called.');
    expect(brokenAnchors(md)).toEqual([]);
  });

  test('a list of objects: its items are the section `key[]`, and nested lists go on with the path', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        microsites: {
          type: 'array',
          items: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, pages: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' } } } } } },
        },
      },
    });
    expect(row(md, '## Top level', 'microsites').type).toBe('list of [objects](#microsites)');
    expect(md).toContain('## `microsites[]`\n\nEach item of the list `microsites`.');
    expect(row(md, '## `microsites[]`', 'pages').type).toBe('list of [objects](#micrositespages)');
    expect(table(md, '## `microsites[].pages[]`').map((r) => r[0])).toEqual(['`title`']);
    expect(brokenAnchors(md)).toEqual([]);
  });

  test('required keys say yes, optional ones no', () => {
    const md = schemaToMarkdown({ type: 'object', required: ['id'], properties: { id: { type: 'string' }, name: { type: 'string' } } });
    expect(row(md, '## Top level', 'id').required).toBe('yes');
    expect(row(md, '## Top level', 'name').required).toBe('no');
  });

  test('enums and unions of constants list their values; other unions read as words, null last', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        level: { enum: ['info', 'debug'] },
        mode: { anyOf: [{ const: 'fast' }, { const: 'slow' }, { const: 'off' }] },
        command: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        days: { anyOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0 }] },
        either: { type: ['integer', 'string'] },
        single: { const: 'only' },
        anything: {},
      },
    });
    expect(row(md, '## Top level', 'level').type).toBe('one of `info` or `debug`');
    expect(row(md, '## Top level', 'mode').type).toBe('one of `fast`, `slow` or `off`');
    expect(row(md, '## Top level', 'command').type).toBe('string or list of strings');
    expect(row(md, '## Top level', 'days').type).toBe('number or null');
    expect(row(md, '## Top level', 'days').description).toBe('Greater than 0.');
    expect(row(md, '## Top level', 'either').type).toBe('integer or string');
    expect(row(md, '## Top level', 'single').type).toBe('`only`');
    expect(row(md, '## Top level', 'anything').type).toBe('any value');
  });

  test('objects told apart by a constant key get one section each, named by that key, before their nested sections', () => {
    const common = { id: { type: 'string' }, retry: { type: 'object', properties: { max: { type: 'integer' } } } };
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        handlers: {
          type: 'array',
          items: {
            anyOf: [
              { type: 'object', required: ['type'], properties: { ...common, type: { const: 'http' }, url: { type: 'string' } } },
              { type: 'object', required: ['type'], properties: { ...common, type: { const: 'command' }, command: { type: 'string' } } },
            ],
          },
        },
      },
    });
    expect(row(md, '## Top level', 'handlers').type).toBe('list of objects, by `type`: [`http`](#handlers-with-type-http) or [`command`](#handlers-with-type-command)');
    expect(md.split('\n').filter((l) => l.startsWith('## '))).toEqual([
      '## Top level',
      '## `handlers[]` with `type: http`',
      '## `handlers[]` with `type: command`',
      // The same nested schema in both variants is one section.
      '## `handlers[].retry`',
    ]);
    expect(md).toContain('An item of the list `handlers` whose `type` is `http`.');
    expect(row(md, '## `handlers[]` with `type: command`', 'command').type).toBe('string');
    expect(row(md, '## `handlers[]` with `type: http`', 'retry').type).toBe('[object](#handlersretry)');
    expect(brokenAnchors(md)).toEqual([]);
  });

  test('a string or an object: the object part links to its section', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: { sites: { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^[a-z]+$' }, { type: 'object', properties: { id: { type: 'string' } } }] } } },
    });
    expect(row(md, '## Top level', 'sites').type).toBe('list of strings or [objects](#sites)');
    expect(row(md, '## Top level', 'sites').description).toBe('Each item, as a string: matches `^[a-z]+$`.');
  });

  test('mappings: values that are objects get a `.*` section; names with a pattern say so', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        env: { type: 'object', patternProperties: { '^[A-Z_]+$': { type: 'string' } } },
        options: { type: 'object', patternProperties: { '^.*$': {} } },
        methods: { type: 'object', additionalProperties: { type: 'object', properties: { timeout: { type: 'number' } } } },
      },
    });
    expect(row(md, '## Top level', 'env').type).toBe('mapping of names to strings');
    expect(row(md, '## Top level', 'env').description).toBe('Names match `^[A-Z_]+$`.');
    expect(row(md, '## Top level', 'options').type).toBe('mapping');
    expect(row(md, '## Top level', 'methods').type).toBe('mapping of names to [objects](#methods)');
    expect(md).toContain('## `methods.*`\n\nThe value under each name in `methods`.');
  });

  test('defaults are written as YAML, quoted only where YAML needs it', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        color: { type: 'string', default: '#4f46e5' },
        port: { type: 'integer', default: 8888 },
        open: { type: 'boolean', default: false },
        tags: { type: 'array', items: { type: 'string' }, default: ['a', 'b'] },
        none: { type: 'string' },
      },
    });
    expect(row(md, '## Top level', 'host').default).toBe('`127.0.0.1`');
    expect(row(md, '## Top level', 'color').default).toBe('`"#4f46e5"`');
    expect(row(md, '## Top level', 'port').default).toBe('`8888`');
    expect(row(md, '## Top level', 'open').default).toBe('`false`');
    expect(row(md, '## Top level', 'tags').default).toBe('`[ a, b ]`');
    expect(row(md, '## Top level', 'none').default).toBe('');
  });

  test('limits are spelled out', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        name: { type: 'string', minLength: 1 },
        id: { type: 'string', maxLength: 128, pattern: '^[a-z]' },
        url: { type: 'string', format: 'uri' },
        hashes: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
      },
    });
    expect(row(md, '## Top level', 'port').description).toBe('From 0 to 65535.');
    expect(row(md, '## Top level', 'name').description).toBe('Not empty.');
    expect(row(md, '## Top level', 'id').description).toBe('At most 128 characters; matches `^[a-z]`.');
    expect(row(md, '## Top level', 'url').description).toBe('Format `uri`.');
    expect(row(md, '## Top level', 'hashes').description).toBe('At least one item; each item: matches `^[0-9a-f]{64}$`.');
  });

  test('pipes and backticks cannot break the table; descriptions stay on one line', () => {
    const md = schemaToMarkdown({
      type: 'object',
      properties: {
        color: { type: 'string', pattern: '^(red|green)$', description: 'A | B,\nsee `x|y`.' },
        tick: { type: 'string', default: 'a`b', enum: ['`x`', 'y'] },
        file: { type: 'string', description: 'Default logs/<handler>.log.' },
      },
    });
    const lines = md.split('\n').filter((l) => l.startsWith('| `color`'));
    expect(lines).toEqual(['| `color` | string |  | no | A \\| B, see `x\\|y`. Matches `^(red\\|green)$`. |']);
    expect(row(md, '## Top level', 'tick').default).toBe('``a`b``');
    // A value starting with a backtick is quoted in YAML, and the code span is fenced around it.
    expect(row(md, '## Top level', 'tick').type).toBe('one of ``"`x`"`` or `y`');
    // Rendered, each row has exactly five cells and the code keeps its pipe and backticks.
    const { html } = renderMarkdown(createMarkdown(), md, { file: 'x.md' });
    expect(html).toContain('<code>^(red|green)$</code>');
    expect(html).toContain('<code>x|y</code>');
    expect(html).toContain('<code>&quot;`x`&quot;</code>');
    expect(html).toContain('<code>a`b</code>');
    expect(html).toContain('logs/&lt;handler&gt;.log');
    for (const tr of html.match(/<tr>[\s\S]*?<\/tr>/g) ?? []) expect(tr.match(/<t[dh][ >]/g)).toHaveLength(5);
  });

  test('$ref into $defs is followed, and a recursive schema links back instead of looping', () => {
    const md = schemaToMarkdown({
      type: 'object',
      $defs: { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } } } },
      properties: { tree: { $ref: '#/$defs/Node', description: 'The root.' } },
    });
    expect(row(md, '## Top level', 'tree').type).toBe('[object](#tree)');
    expect(row(md, '## Top level', 'tree').description).toBe('The root.');
    expect(row(md, '## `tree`', 'children').type).toBe('list of [`Node`](#tree) items');
  });

  test('notes fill in descriptions and defaults; a stale or redundant note is an error', () => {
    const schema = { type: 'object', properties: { port: { type: 'integer' }, host: { type: 'string', description: 'Where.' } } };
    const md = schemaToMarkdown(schema, { notes: { port: { description: 'The port.', default: 8888 }, host: { defaultText: 'loopback' } } });
    expect(row(md, '## Top level', 'port')).toMatchObject({ description: 'The port.', default: '`8888`' });
    expect(row(md, '## Top level', 'host')).toMatchObject({ description: 'Where.', default: 'loopback' });
    expect(() => schemaToMarkdown(schema, { notes: { prot: { description: 'typo' } } })).toThrow(/prot/);
    expect(() => schemaToMarkdown(schema, { notes: { host: { description: 'again' } } })).toThrow(/host: the schema has a description/);
  });

  test('the same schema gives the same text', () => {
    const pages = () => referencePages().map((p) => p.markdown);
    expect(pages()).toEqual(pages());
  });
});

describe('markdown-text', () => {
  test('code spans fence any backticks', () => {
    expect(code('plain')).toBe('`plain`');
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(code('a``b')).toBe('```a``b```');
  });

  test('cells escape pipes everywhere and < outside code', () => {
    expect(cell('a | b `c|d` <e>')).toBe('a \\| b `c\\|d` &lt;e>');
    expect(cell('line\n  two')).toBe('line two');
  });
});

describe('the reference pages', () => {
  test('docs/reference holds what `npm run docs:reference` writes', () => {
    for (const page of referencePages()) {
      const path = join(REPO_DOCS_DIR, page.file);
      const committed = existsSync(path) ? readFileSync(path, 'utf8') : null;
      expect(committed, `docs/${page.file} is out of date with its schema: run \`npm run docs:reference\``).toBe(page.markdown);
    }
  });

  test('each page has a title, where the file is read from, an example, the reference and the generated line', () => {
    for (const page of referencePages()) {
      expect(page.markdown).toMatch(/^# \S+\.yaml\n/);
      expect(page.markdown).toContain('## Where the file is read from');
      expect(page.markdown).toContain('## Example\n\n```yaml\n');
      expect(page.markdown).toContain('## Top-level keys');
      expect(page.markdown).toContain('generated by `npm run docs:reference`');
      expect(brokenAnchors(page.markdown), page.file).toEqual([]);
    }
  });

  describe('examples load with the real loaders', () => {
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => {
      dir = tempDir('sz-reference-');
    });
    afterEach(() => dir.cleanup());

    const example = (file: string) => {
      const spec = referenceSpecs().find((s) => s.file === file)!;
      const path = join(dir.path, spec.title);
      writeFileSync(path, spec.example);
      return path;
    };

    test('schedulezero.yaml', () => {
      expect(readConfigFile(example('reference/schedulezero-yaml.md')).retention).toEqual({ days: 90, runs_per_schedule: 500 });
    });

    test('portal_config.yaml', () => {
      const { config, warnings } = readPortalConfig(example('reference/portal-config.md'));
      expect(warnings).toEqual([]);
      expect(config.microsites.map((m) => m.id)).toEqual(['sz_dash', 'sz_schedules', 'sz_handlers', 'sz_docs', 'status']);
    });

    test('handler_registry.yaml', () => {
      const registry = loadHandlerRegistry(example('reference/handler-registry.md'), {});
      expect(registry.handlers.map((h) => `${h.id}:${h.type}`)).toEqual(['billing:http', 'reports:command', 'pydemo:worker']);
    });
  });

  test('the writer writes every page under the folder it is given', () => {
    const dir = tempDir('sz-reference-write-');
    try {
      const written = writeReferencePages(dir.path);
      expect(written).toEqual(referencePages().map((p) => p.file));
      for (const page of referencePages()) expect(readFileSync(join(dir.path, page.file), 'utf8')).toBe(page.markdown);
    } finally {
      dir.cleanup();
    }
  });

  test("ScheduleZero's own docs site has no broken links or missing pages", async () => {
    const site = await DocSite.load(REPO_DOCS_DIR, { baseUrl: '/docs/' });
    expect(await site.check()).toEqual([]);
    expect(site.pages.map((p) => p.file)).toEqual(expect.arrayContaining(referencePages().map((p) => p.file)));
  });
});
