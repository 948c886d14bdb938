/**
 * HTML built from tagged templates, escaped by default.
 *
 * Every value interpolated into html`...` is escaped unless it is itself the result of html`...`
 * (or raw(), for markup that is trusted by construction, such as a rendered Markdown page).
 * Arrays are joined, null/undefined/false render nothing. This keeps "escape everything" the
 * path of least resistance for core and custom microsites alike.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Markup that is safe to emit as is. Only html`` and raw() make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Trusted markup, emitted without escaping. Never pass user input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A value for a JSON attribute such as hx-vals or hx-headers (escaped as an attribute value). */
export function jsonAttr(value: unknown): string {
  return JSON.stringify(value);
}
