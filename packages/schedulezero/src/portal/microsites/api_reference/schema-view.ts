import { html, type SafeHtml } from '../../html.js';
import { obj, str, type Json, type Resolver } from './model.js';
import { inlineMarkdown } from './text.js';

/** JSON Schemas as people read them: a type line, a table of fields, and the schema itself on demand. */

export interface SchemaContext {
  resolver: Resolver;
  /** Anchor of each named schema by its $ref ("#/components/schemas/Run" -> "schema-run"). */
  anchors: Map<string, string>;
}

const MAX_ROWS = 80;
const MAX_DEPTH = 4;

function join(parts: SafeHtml[], separator: string): SafeHtml {
  return html`${parts.map((p, i) => (i === 0 ? p : html`${separator}${p}`))}`;
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** "string<date-time>", "Run[]", "\"cron\" | \"interval\"", "object", with named schemas linked. */
export function typeLabel(schema: unknown, sc: SchemaContext, depth = 0): SafeHtml {
  const s = obj(schema);
  if (s === null) return html`any`;
  if (depth > MAX_DEPTH) return html`…`;
  const ref = str(s.$ref);
  if (ref !== null) {
    const anchor = sc.anchors.get(ref);
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    return anchor ? html`<a href="#${anchor}">${name}</a>` : html`${name}`;
  }
  let label: SafeHtml;
  const variants = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : null;
  if ('const' in s) label = html`${json(s.const)}`;
  else if (Array.isArray(s.enum)) {
    const shown = s.enum.slice(0, 12).map((v) => html`${json(v)}`);
    label = html`${join(shown, ' | ')}${s.enum.length > 12 ? html` | … (${s.enum.length} values)` : ''}`;
  } else if (variants) label = join(variants.map((v) => typeLabel(v, sc, depth + 1)), ' | ');
  else if (Array.isArray(s.allOf)) label = join(s.allOf.map((v) => typeLabel(v, sc, depth + 1)), ' & ');
  else {
    const declared = Array.isArray(s.type) ? s.type : [s.type];
    const types = declared.map((t) => (typeof t === 'string' ? t : s.properties ? 'object' : s.items ? 'array' : 'any'));
    label = join(
      types.map((t) => {
        if (t === 'array') {
          const item = typeLabel(s.items, sc, depth + 1);
          return /\|/.test(item.value) ? html`(${item})[]` : html`${item}[]`;
        }
        if (t === 'object') return objectLabel(s, sc);
        const format = str(s.format);
        return format ? html`${t}&lt;${format}&gt;` : html`${t}`;
      }),
      ' | ',
    );
  }
  return s.nullable === true ? html`${label} | null` : label;
}

/** An object that one property tells apart from its siblings: `object (type = "cron")`. */
function objectLabel(s: Json, sc: SchemaContext): SafeHtml {
  const variant = discriminator(s, sc);
  if (variant) return html`object (${variant})`;
  const extra = obj(s.additionalProperties);
  if (!s.properties && extra && Object.keys(extra).length > 0) return html`map of ${typeLabel(extra, sc)}`;
  return html`object`;
}

/** `type = "cron"` when a property of the object has a single allowed value. */
function discriminator(schema: unknown, sc: SchemaContext): string | null {
  const props = obj(obj(sc.resolver.deref(schema))?.properties);
  for (const [name, raw] of Object.entries(props ?? {})) {
    const p = obj(raw);
    if (p === null) continue;
    if ('const' in p) return `${name} = ${json(p.const)}`;
    if (Array.isArray(p.enum) && p.enum.length === 1) return `${name} = ${json(p.enum[0])}`;
  }
  return null;
}

/** Limits and hints of a schema, in words: "1–128 chars", "default 1", "pattern …". */
export function constraints(schema: unknown): SafeHtml[] {
  const s = obj(schema);
  if (s === null) return [];
  const out: SafeHtml[] = [];
  const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : null);
  const range = (min: number | null, max: number | null, unit: string) => {
    if (min !== null && max !== null) out.push(html`${min}–${max}${unit}`);
    else if (min !== null) out.push(html`≥ ${min}${unit}`);
    else if (max !== null) out.push(html`≤ ${max}${unit}`);
  };
  range(num('minLength'), num('maxLength'), ' chars');
  range(num('minimum') ?? num('exclusiveMinimum'), num('maximum') ?? num('exclusiveMaximum'), '');
  range(num('minItems'), num('maxItems'), ' items');
  if (s.uniqueItems === true) out.push(html`unique items`);
  const pattern = str(s.pattern);
  if (pattern) out.push(html`pattern <code>${pattern}</code>`);
  if ('default' in s) out.push(html`default <code>${json(s.default)}</code>`);
  const examples = Array.isArray(s.examples) ? s.examples : 'example' in s ? [s.example] : [];
  if (examples.length > 0) out.push(html`e.g. ${join(examples.slice(0, 3).map((e) => html`<code>${typeof e === 'string' ? e : json(e)}</code>`), ', ')}`);
  if (s.readOnly === true) out.push(html`read-only`);
  if (s.writeOnly === true) out.push(html`write-only`);
  if (s.deprecated === true) out.push(html`<span class="sz-badge sz-badge-warn">deprecated</span>`);
  return out;
}

interface FieldRow {
  path: string;
  schema: unknown;
  required: boolean;
  variant: string | null;
}

/** The fields of an object schema, nested ones by dotted path ("retry.max_attempts", "items[].id"). */
function collect(schema: unknown, sc: SchemaContext): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (node: unknown, prefix: string, variant: string | null, depth: number, seen: ReadonlySet<string>): void => {
    if (rows.length >= MAX_ROWS || depth > MAX_DEPTH) return;
    const ref = str(obj(node)?.$ref);
    if (ref !== null && seen.has(ref)) return; // a recursive schema: stop at the second visit
    const now = ref !== null ? new Set([...seen, ref]) : seen;
    const s = obj(sc.resolver.deref(node));
    if (s === null) return;
    for (const part of Array.isArray(s.allOf) ? s.allOf : []) visit(part, prefix, variant, depth, now);
    const props = obj(s.properties);
    if (props) {
      const required = new Set((Array.isArray(s.required) ? s.required : []).filter((r): r is string => typeof r === 'string'));
      for (const [name, sub] of Object.entries(props)) {
        if (rows.length >= MAX_ROWS) return;
        rows.push({ path: `${prefix}${name}`, schema: sub, required: required.has(name), variant });
        visit(sub, `${prefix}${name}.`, variant, depth + 1, now);
      }
      return;
    }
    if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) {
      visit(s.items, `${prefix.replace(/\.$/, '')}[].`, variant, depth + 1, now);
      return;
    }
    const variants = (Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : []).filter((v) => obj(v)?.type !== 'null');
    if (variants.length === 1) visit(variants[0], prefix, variant, depth, now);
    else {
      variants.forEach((v, i) => {
        const label = discriminator(v, sc) ?? `variant ${i + 1}`;
        visit(v, prefix, variant ? `${variant}, ${label}` : label, depth, now);
      });
    }
  };
  visit(schema, '', null, 0, new Set());
  return rows;
}

function fieldsTable(rows: FieldRow[], sc: SchemaContext): SafeHtml {
  return html`<div class="sz-table-wrap"><table class="sz-table apr-fields">
  <thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
  <tbody>${rows.map((row) => {
    const target = obj(sc.resolver.deref(row.schema));
    const description = str(obj(row.schema)?.description) ?? str(target?.description);
    const notes = constraints(target);
    return html`<tr>
    <th scope="row"><code class="apr-field">${row.path}</code>${row.required ? html` <span class="apr-req">required</span>` : ''}</th>
    <td class="apr-type">${typeLabel(row.schema, sc)}</td>
    <td>${row.variant ? html`<span class="apr-variant">when ${row.variant}</span> ` : ''}${inlineMarkdown(description)}${notes.length > 0 ? html`<span class="apr-notes">${join(notes, ' · ')}</span>` : ''}</td>
  </tr>`;
  })}</tbody>
</table></div>${rows.length >= MAX_ROWS ? html`<p class="sz-hint">Only the first ${MAX_ROWS} fields are listed; the JSON Schema below has them all.</p>` : ''}`;
}

/** A schema in full: its type, its fields if it has any, and the JSON Schema behind a disclosure. */
export function schemaBlock(schema: unknown, sc: SchemaContext, openJson = false): SafeHtml {
  if (schema === null || schema === undefined) return html`<p class="sz-muted">No schema given.</p>`;
  const rows = collect(schema, sc);
  const notes = constraints(sc.resolver.deref(schema));
  const label = typeLabel(schema, sc);
  // "Type: object" above a table of its fields says nothing; a name, a union or an array does.
  const typeLine = rows.length > 0 && label.value === 'object' && notes.length === 0
    ? ''
    : html`<p class="apr-type-line">Type: <span class="apr-type">${label}</span>${notes.length > 0 ? html` <span class="apr-notes">${join(notes, ' · ')}</span>` : ''}</p>`;
  return html`${typeLine}
${rows.length > 0 ? fieldsTable(rows, sc) : ''}
<details class="apr-json"${openJson ? html` open` : ''}><summary>JSON Schema</summary><pre class="sz-pre"><code>${JSON.stringify(schema, null, 2)}</code></pre></details>`;
}
