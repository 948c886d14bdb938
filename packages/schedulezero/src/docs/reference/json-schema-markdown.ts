import { SlugRegistry } from '../slug.js';
import { asSchema, derefSchema, isObjectSchema, lookupRef, mapValues, plainSchema, typesOf, type JsonSchema, type JsonSchemaOrBoolean } from './json-schema.js';
import { limitPhrases } from './limits.js';
import { capitalize, cell, code, orList, yamlValue } from './markdown-text.js';

/**
 * A JSON Schema as a Markdown configuration reference: one section per object, each with a
 * table (Key | Type | Default | Required | Description). Nested objects get sections of their
 * own, named by their dotted path (`branding`, `microsites[]`, `handlers[].methods.*`), and the
 * type column links to them. The output depends only on the schema and the options.
 */

/** What a reference says about a key when its schema does not. */
export interface KeyNote {
  /** For a key whose schema has no description. */
  description?: string;
  /** For a key whose schema has no `default`: the value that applies when the key is left out. */
  default?: unknown;
  /** The default in words, when no single value is it ("the order in this list"). */
  defaultText?: string;
}

export interface SchemaMarkdownOptions {
  /** Heading level of every section (default 2). */
  headingLevel?: number;
  /** Heading of the top-level object's section (default "Top level"). */
  rootTitle?: string;
  /**
   * Descriptions and defaults by dotted path (`retention.days`, `microsites[].name`), for keys
   * whose schema lacks them. A note for a path the schema does not have, or one that repeats
   * what the schema says, is an error: the notes cannot silently go stale.
   */
  notes?: Readonly<Record<string, KeyNote>>;
  /**
   * The page's heading ids so far (MkDocs numbers repeated ids in page order): pass the
   * registry holding the headings written above the reference, so that links are right.
   */
  slugs?: SlugRegistry;
}

/** A type in words, singular and plural ("string" / "strings"), which may link to sections. */
interface Phrase {
  one: string;
  many: string;
}

interface Row {
  key: string;
  type: string;
  default: string;
  required: boolean;
  description: string;
}

interface Section {
  path: string;
  fingerprint: string;
  heading: string;
  lead: string[];
  rows: Row[];
}

export function schemaToMarkdown(schema: object, options: SchemaMarkdownOptions = {}): string {
  const renderer = new Renderer(plainSchema(schema), options);
  return renderer.render();
}

class Renderer {
  private readonly sections: Section[] = [];
  private readonly anchors = new Map<Section, string>();
  private readonly slugs: SlugRegistry;
  private readonly notes: ReadonlyMap<string, KeyNote>;
  private readonly usedNotes = new Set<string>();
  private readonly refStack: string[] = [];
  private readonly refAnchors = new Map<string, string>();
  private readonly deref: (node: JsonSchema) => JsonSchema;
  private readonly lookup: (ref: string) => JsonSchemaOrBoolean | undefined;
  /** The $ref being expanded, claimed by the first section it produces (for recursive schemas). */
  private pendingRef: string | undefined;

  constructor(
    private readonly root: JsonSchema,
    private readonly options: SchemaMarkdownOptions,
  ) {
    this.slugs = options.slugs ?? new SlugRegistry();
    this.lookup = (ref) => lookupRef(root, ref);
    this.deref = (node) => derefSchema(root, node);
    this.notes = new Map(Object.entries(options.notes ?? {}));
  }

  render(): string {
    const root = this.deref(this.root);
    if (!isObjectSchema(root)) throw new Error('the top level of a configuration schema must be an object with properties');
    this.section('', root, { text: this.options.rootTitle ?? 'Top level', plain: this.options.rootTitle ?? 'Top level' }, []);
    const unused = [...this.notes.keys()].filter((path) => !this.usedNotes.has(path));
    if (unused.length > 0) throw new Error(`notes for keys the schema does not have: ${unused.join(', ')}`);

    const hashes = '#'.repeat(this.options.headingLevel ?? 2);
    return `${this.sections
      .map((s) => {
        const table = [
          '| Key | Type | Default | Required | Description |',
          '| --- | --- | --- | --- | --- |',
          ...s.rows.map((r) => `| ${[code(r.key), r.type, r.default, r.required ? 'yes' : 'no', r.description].map(cell).join(' | ')} |`),
        ];
        return [`${hashes} ${s.heading}`, ...s.lead, table.join('\n')].join('\n\n');
      })
      .join('\n\n')}\n`;
  }

  // ----- sections ------------------------------------------------------------------------------

  /**
   * The section of an object at `path`, made on first use. The same schema at the same path
   * (a key shared by the branches of a union) is one section; a different one gets a number.
   */
  private section(path: string, node: JsonSchema, heading: { text: string; plain: string } | null, lead: string[]): string {
    const { anchor, fill } = this.registerSection(path, node, heading, lead);
    fill();
    return anchor;
  }

  /** A section's heading and place in the page now; its rows (and their sections) when `fill` is called. */
  private registerSection(path: string, node: JsonSchema, heading: { text: string; plain: string } | null, lead: string[]): { anchor: string; fill: () => void } {
    const fingerprint = JSON.stringify([node, heading?.text ?? null]);
    const samePath = this.sections.filter((s) => s.path === path);
    const existing = samePath.find((s) => s.fingerprint === fingerprint);
    if (existing) return { anchor: this.anchors.get(existing)!, fill: () => {} };

    let { text, plain } = heading ?? { text: code(path), plain: path };
    if (samePath.length > 0 && heading === null) {
      text += ` (${samePath.length + 1})`;
      plain += ` (${samePath.length + 1})`;
    }
    const section: Section = { path, fingerprint, heading: text, lead: [...lead], rows: [] };
    const anchor = this.slugs.unique(plain);
    this.sections.push(section);
    this.anchors.set(section, anchor);
    if (this.pendingRef !== undefined) {
      this.refAnchors.set(this.pendingRef, anchor);
      this.pendingRef = undefined;
    }
    if (node.description) section.lead.push(node.description);

    const fill = () => {
      const required = new Set(node.required ?? []);
      for (const [key, value] of Object.entries(node.properties ?? {})) {
        section.rows.push(this.row(key, value, join(path, key), required.has(key)));
      }
      const other = mapValues(node);
      if (other.length > 0) {
        const value = this.union(
          other.map((o) => o.value),
          `${path === '' ? '' : `${path}.`}*`,
        );
        section.rows.push({ key: '*', type: value.one, default: '', required: false, description: 'Any other name.' });
      }
    };
    return { anchor, fill };
  }

  private row(key: string, input: JsonSchemaOrBoolean, path: string, required: boolean): Row {
    const node = this.deref(asSchema(input));
    const type = this.describe(input, path).one;
    const note = this.notes.get(path);
    if (note) this.usedNotes.add(path);

    const own = node.description ?? node.title;
    if (own !== undefined && note?.description !== undefined) throw new Error(`${path}: the schema has a description; drop the note's`);
    if (node.default !== undefined && note?.default !== undefined) throw new Error(`${path}: the schema has a default; drop the note's`);

    const parts: string[] = [];
    if (node.deprecated) parts.push('Deprecated.');
    const described = own ?? note?.description;
    if (described !== undefined) parts.push(sentence(described));
    const items = node.items !== undefined && !Array.isArray(node.items) ? this.deref(asSchema(node.items)) : null;
    if (items?.description) parts.push(described === undefined ? sentence(items.description) : `Each item: ${sentence(items.description)}`);
    const limits = limitPhrases(node, this.deref);
    if (limits.length > 0) parts.push(`${capitalize(limits.join('; '))}.`);

    let fallback = '';
    if (node.default !== undefined) fallback = code(yamlValue(node.default));
    else if (note?.default !== undefined) fallback = code(yamlValue(note.default));
    else if (note?.defaultText !== undefined) fallback = note.defaultText;
    return { key, type, default: fallback, required, description: parts.join(' ') };
  }

  // ----- types in words --------------------------------------------------------------------------

  private describe(input: JsonSchemaOrBoolean, path: string): Phrase {
    const node = asSchema(input);
    if (node.$ref !== undefined) return this.describeRef(node, path);
    if (node.const !== undefined) return literals([node.const]);
    if (Array.isArray(node.enum)) return literals(node.enum);
    const branches = node.anyOf ?? node.oneOf;
    if (branches) return this.union(branches, path);
    if (node.allOf && node.allOf.length > 0) {
      const parts = node.allOf.map((s) => this.describe(s, path));
      return { one: parts.map((p) => p.one).join(' and '), many: parts.map((p) => p.many).join(' and ') };
    }
    const types = typesOf(node);
    if (types.length > 1) return this.union(types.map((type) => ({ ...node, type })), path);
    const type = types[0] ?? (node.properties || node.patternProperties ? 'object' : node.items ? 'array' : undefined);
    switch (type) {
      case 'object':
        return this.describeObject(node, path);
      case 'array':
        return this.describeArray(node, path);
      case 'string':
      case 'integer':
      case 'number':
      case 'boolean':
        return { one: type, many: `${type}s` };
      case 'null':
        return { one: 'null', many: 'null' };
      default:
        return typesOf(node).length === 0 && Array.isArray(node.type) ? { one: 'nothing', many: 'nothing' } : { one: 'any value', many: 'any values' };
    }
  }

  private describeRef(node: JsonSchema, path: string): Phrase {
    const ref = node.$ref!;
    if (this.refStack.includes(ref)) {
      // A recursive schema: point back at the section its first expansion made.
      const anchor = this.refAnchors.get(ref);
      const name = code(ref.split('/').at(-1) ?? ref);
      return anchor ? { one: `[${name}](#${anchor})`, many: `[${name}](#${anchor}) items` } : { one: name, many: name };
    }
    const target = this.lookup(ref);
    if (target === undefined) return { one: code(ref), many: code(ref) };
    this.refStack.push(ref);
    this.pendingRef = ref;
    try {
      const { $ref: _ref, ...siblings } = node;
      return this.describe({ ...asSchema(target), ...siblings }, path);
    } finally {
      this.refStack.pop();
      this.pendingRef = undefined;
    }
  }

  private describeObject(node: JsonSchema, path: string): Phrase {
    if (node.properties && Object.keys(node.properties).length > 0) {
      const anchor = this.section(path, node, null, leadFor(path));
      return { one: `[object](#${anchor})`, many: `[objects](#${anchor})` };
    }
    const values = mapValues(node);
    if (values.length === 0) return { one: 'mapping', many: 'mappings' };
    const value = this.union(
      values.map((v) => v.value),
      `${path}.*`,
    );
    if (value.one === 'any value') return { one: 'mapping', many: 'mappings' };
    return { one: `mapping of names to ${value.many}`, many: `mappings of names to ${value.many}` };
  }

  private describeArray(node: JsonSchema, path: string): Phrase {
    const tuple = Array.isArray(node.items) ? node.items : node.prefixItems;
    if (tuple) {
      const parts = tuple.map((item, i) => this.describe(item, `${path}[${i}]`).one);
      return { one: `list of ${parts.length} (${parts.join(', ')})`, many: `lists of ${parts.length} (${parts.join(', ')})` };
    }
    if (node.items === undefined || node.items === true) return { one: 'list', many: 'lists' };
    const item = this.describe(node.items as JsonSchemaOrBoolean, `${path}[]`);
    return { one: `list of ${item.many}`, many: `lists of ${item.many}` };
  }

  /**
   * Branches of anyOf/oneOf in words: literals as one list of values, several objects told
   * apart by a key with a constant value (`type: http`) as one section each, null last.
   */
  private union(inputs: readonly JsonSchemaOrBoolean[], path: string): Phrase {
    const branches = inputs.map((b) => this.deref(asSchema(b)));
    if (branches.length > 0 && branches.every((b) => literalValues(b) !== null)) return literals(branches.flatMap((b) => literalValues(b)!));

    const objects = branches.filter((b) => isObjectSchema(b) && b.properties !== undefined && Object.keys(b.properties).length > 0);
    const parts: Phrase[] = [];
    let hasNull = false;
    let variantsAt = -1;
    branches.forEach((branch, i) => {
      if (typesOf(branch).length === 1 && typesOf(branch)[0] === 'null') hasNull = true;
      else if (objects.length > 1 && objects.includes(branch)) {
        if (variantsAt < 0) variantsAt = parts.length;
      } else parts.push(this.describe(inputs[i]!, path));
    });
    if (variantsAt >= 0) parts.splice(variantsAt, 0, this.variants(objects, path));

    const unique = parts.filter((p, i) => parts.findIndex((q) => q.one === p.one) === i);
    if (hasNull) unique.push({ one: 'null', many: 'null' });
    return { one: orList(unique.map((p) => p.one)), many: orList(unique.map((p) => p.many)) };
  }

  private variants(objects: readonly JsonSchema[], path: string): Phrase {
    const key = discriminator(objects);
    // Every variant's heading first, so that the variants stand together before their nested sections.
    const registered = objects.map((object, i) => {
      const label = key === null ? `variant ${i + 1}` : yamlValue(literalValues(this.deref(asSchema(object.properties![key])))![0]);
      const heading = {
        text: `${code(path)} ${key === null ? `(${label})` : `with ${code(`${key}: ${label}`)}`}`,
        plain: `${path} ${key === null ? `(${label})` : `with ${key}: ${label}`}`,
      };
      const where = path.endsWith('[]') ? `An item of the list ${code(path.slice(0, -2))}` : `The value of ${code(path)}`;
      const lead = key === null ? leadFor(path) : [`${where} whose ${code(key)} is ${code(label)}.`];
      return { label, ...this.registerSection(path, object, heading, lead) };
    });
    for (const r of registered) r.fill();
    const links = registered.map((r) => `[${key === null ? r.label : code(r.label)}](#${r.anchor})`);
    const by = key === null ? '' : `, by ${code(key)}`;
    return { one: `object${by}: ${orList(links)}`, many: `objects${by}: ${orList(links)}` };
  }

}

// ----- helpers -------------------------------------------------------------------------------------

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The line under the heading of a list item's or a mapping value's section. */
function leadFor(path: string): string[] {
  if (path.endsWith('[]')) return [`Each item of the list ${code(path.slice(0, -2))}.`];
  if (path.endsWith('.*')) return [`The value under each name in ${code(path.slice(0, -2))}.`];
  return [];
}

function literalValues(node: JsonSchema): unknown[] | null {
  if (node.const !== undefined) return [node.const];
  if (Array.isArray(node.enum)) return node.enum;
  return null;
}

function literals(values: readonly unknown[]): Phrase {
  const shown = values.map((v) => code(yamlValue(v)));
  if (shown.length === 1) return { one: shown[0]!, many: shown[0]! };
  return { one: `one of ${orList(shown)}`, many: `values from ${shown.join(', ')}` };
}

/** The key that every branch has, requires, and fixes to a different constant. */
function discriminator(objects: readonly JsonSchema[]): string | null {
  const first = objects[0]!;
  for (const key of Object.keys(first.properties ?? {})) {
    const values = objects.map((o) => {
      const prop = o.properties?.[key];
      if (prop === undefined || typeof prop === 'boolean' || !(o.required ?? []).includes(key)) return null;
      const literal = literalValues(prop);
      return literal?.length === 1 ? JSON.stringify(literal[0]) : null;
    });
    if (values.every((v) => v !== null) && new Set(values).size === values.length) return key;
  }
  return null;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?:]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
