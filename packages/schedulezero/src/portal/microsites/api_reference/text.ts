import MarkdownIt from 'markdown-it';
import { html, raw, type SafeHtml } from '../../html.js';

/**
 * OpenAPI descriptions are CommonMark. Raw HTML in them is escaped (html: false) and links with
 * script-capable schemes are dropped by markdown-it's validateLink, so the output is safe markup
 * even for a document from elsewhere.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** A block description (paragraphs, lists, code). Links inside leave the page normally, without htmx. */
export function markdown(text: string | null, className = 'apr-md'): SafeHtml {
  if (text === null) return html``;
  return html`<div class="${className}" hx-boost="false">${raw(md.render(text))}</div>`;
}

/** A one-line description (a table cell): code spans, emphasis, links. */
export function inlineMarkdown(text: string | null): SafeHtml {
  if (text === null) return html``;
  return html`<span hx-boost="false">${raw(md.renderInline(text))}</span>`;
}

/** An href taken from the document, only when it cannot run script. */
export function safeHref(url: string | null): string | null {
  if (url === null) return null;
  return /^(https?:|mailto:)/i.test(url.trim()) ? url.trim() : null;
}
