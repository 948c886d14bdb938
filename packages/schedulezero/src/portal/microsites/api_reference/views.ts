import { STATUS_CODES } from 'node:http';
import { html, type SafeHtml } from '../../html.js';
import { obj, str, type ApiModel, type Content, type Operation, type Parameter, type ResponseItem, type TagGroup } from './model.js';
import { schemaBlock, typeLabel, constraints, type SchemaContext } from './schema-view.js';
import { inlineMarkdown, markdown, safeHref } from './text.js';

/** The reference page: overview, contents, operations by tag, and the named schemas. */

export interface PageInput {
  model: ApiModel;
  sc: SchemaContext;
  /** URL of the raw document inside this microsite. */
  downloadUrl: string;
  downloadName: string;
  sourceLabel: string;
  /** Base URL to show when the document names no server (the server's own API: this origin). */
  defaultServer: string | null;
}

export function referencePage(input: PageInput): SafeHtml {
  const { model } = input;
  return html`<div class="apr-page"><div class="sz-page-head" id="apr-top">
  <div><h1>${model.title}${model.version ? html` <span class="sz-badge apr-version">v${model.version}</span>` : ''}</h1>
  <p>${model.specVersion} · ${model.operationCount} ${model.operationCount === 1 ? 'operation' : 'operations'} · from ${input.sourceLabel}</p></div>
  <div class="sz-actions"><a class="sz-btn" href="${input.downloadUrl}" download="${input.downloadName}" hx-boost="false">⬇ Download ${input.downloadName}</a></div>
</div>
<div class="apr-layout">
  ${contents(model)}
  <div class="apr-content">
    ${overview(input)}
    ${model.groups.length === 0 ? html`<section class="sz-card sz-empty"><strong>No operations</strong>This document describes no paths.</section>` : model.groups.map((g) => group(g, input.sc))}
    ${model.schemas.length > 0 ? schemas(model, input.sc) : ''}
  </div>
</div></div>`;
}

function methodBadge(method: string): SafeHtml {
  return html`<span class="apr-method apr-m-${method}">${method.toUpperCase()}</span>`;
}

/** "/api/v1/runs/{id}" with the path parameters set apart. */
function pathText(path: string): SafeHtml {
  return html`${path.split(/(\{[^}]*\})/).map((part) => (part.startsWith('{') ? html`<span class="apr-path-param">${part}</span>` : part))}`;
}

function contents(model: ApiModel): SafeHtml {
  return html`<nav class="apr-toc" aria-label="API contents">
  <details open><summary>Contents</summary>
  <ul>
    <li><a href="#apr-overview">Overview</a></li>
    ${model.groups.map((g) => html`<li><a class="apr-toc-tag" href="#${g.id}">${g.name}</a>
      <ul>${g.operations.map((op) => html`<li><a href="#${op.id}" title="${op.summary ?? ''}">${methodBadge(op.method)} <span class="apr-toc-path">${op.path}</span></a></li>`)}</ul></li>`)}
    ${model.schemas.length > 0 ? html`<li><a class="apr-toc-tag" href="#apr-schemas">Schemas</a></li>` : ''}
  </ul>
  </details>
</nav>`;
}

function overview(input: PageInput): SafeHtml {
  const { model } = input;
  const servers = model.servers.length > 0 ? model.servers : input.defaultServer ? [{ url: input.defaultServer, description: 'this server' }] : [];
  const license = model.license;
  const contact = model.contact;
  const linkTo = (l: { name: string; url: string | null }) => {
    const href = safeHref(l.url);
    return href ? html`<a href="${href}" hx-boost="false" rel="noopener noreferrer">${l.name}</a>` : html`${l.name}`;
  };
  return html`<section class="sz-card apr-overview" id="apr-overview" aria-labelledby="apr-overview-h">
  <h2 id="apr-overview-h">Overview</h2>
  ${markdown(model.description)}
  <dl class="sz-kv">
    ${servers.length > 0 ? html`<dt>Base URL</dt><dd>${servers.map((s) => html`<div><code>${s.url}</code>${s.description ? html` <span class="sz-muted">${s.description}</span>` : ''}</div>`)}</dd>` : ''}
    ${model.securitySchemes.length > 0 ? html`<dt>Authentication</dt><dd>${model.securitySchemes.map((s) => html`<div><code>${s.name}</code>: ${s.text}</div>`)}</dd>` : ''}
    ${license ? html`<dt>License</dt><dd>${linkTo(license)}</dd>` : ''}
    ${contact ? html`<dt>Contact</dt><dd>${linkTo(contact)}</dd>` : ''}
  </dl>
</section>`;
}

function group(g: TagGroup, sc: SchemaContext): SafeHtml {
  return html`<section class="apr-group" id="${g.id}" aria-labelledby="${g.id}-h">
  <h2 id="${g.id}-h" class="apr-group-head">${g.name}</h2>
  ${markdown(g.description, 'apr-md apr-group-desc')}
  ${g.operations.map((op) => operation(op, sc))}
</section>`;
}

function authBadge(op: Operation): SafeHtml {
  if (op.auth.schemes.length === 0) return html`<span class="sz-badge" title="No credentials needed">no auth</span>`;
  const names = op.auth.schemes.join(' or ');
  return html`<span class="sz-badge sz-badge-info" title="Needs ${names}${op.auth.optional ? ' (optional)' : ''}">🔒 ${names}${op.auth.optional ? ' (optional)' : ''}</span>`;
}

function operation(op: Operation, sc: SchemaContext): SafeHtml {
  return html`<article class="sz-card apr-op" id="${op.id}" aria-labelledby="${op.id}-h">
  <h3 id="${op.id}-h" class="apr-op-head">${methodBadge(op.method)} <code class="apr-path">${pathText(op.path)}</code></h3>
  <p class="apr-summary">${op.summary ?? ''}${op.deprecated ? html` <span class="sz-badge sz-badge-warn">deprecated</span>` : ''} ${authBadge(op)}${op.operationId ? html` <span class="sz-muted sz-mono apr-opid" title="operationId">${op.operationId}</span>` : ''}</p>
  ${markdown(op.description)}
  ${op.parameters.length > 0 ? parameters(op.parameters, sc) : ''}
  ${op.body ? requestBody(op, sc) : ''}
  ${op.responses.length > 0 ? responses(op.responses, sc) : ''}
</article>`;
}

function parameters(params: Parameter[], sc: SchemaContext): SafeHtml {
  return html`<h4>Parameters</h4>
<div class="sz-table-wrap"><table class="sz-table apr-fields">
  <thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
  <tbody>${params.map((p) => {
    const notes = constraints(sc.resolver.deref(p.schema));
    return html`<tr>
    <th scope="row"><code class="apr-field">${p.name}</code>${p.required ? html` <span class="apr-req">required</span>` : ''}${p.deprecated ? html` <span class="sz-badge sz-badge-warn">deprecated</span>` : ''}</th>
    <td>${p.in}</td>
    <td class="apr-type">${typeLabel(p.schema, sc)}</td>
    <td>${inlineMarkdown(p.description)}${notes.length > 0 ? html`<span class="apr-notes">${notes.map((n, i) => (i === 0 ? n : html` · ${n}`))}</span>` : ''}</td>
  </tr>`;
  })}</tbody>
</table></div>`;
}

/** `labelled`: show each media type above its schema (a response's summary names them already). */
function mediaBlocks(items: Content[], sc: SchemaContext, labelled: boolean): SafeHtml {
  return html`${items.map((c) => html`<div class="apr-media">${labelled || items.length > 1 ? html`<p class="apr-media-type"><code>${c.mediaType}</code></p>` : ''}${schemaBlock(c.schema, sc)}</div>`)}`;
}

function requestBody(op: Operation, sc: SchemaContext): SafeHtml {
  const body = op.body!;
  return html`<h4>Request body ${body.required ? html`<span class="apr-req">required</span>` : html`<span class="sz-muted">optional</span>`}</h4>
${markdown(body.description)}
${body.contents.length > 0 ? mediaBlocks(body.contents, sc, true) : html`<p class="sz-muted">No content type given.</p>`}`;
}

function tone(code: string): string {
  if (code.startsWith('2')) return 'sz-badge-ok';
  if (code.startsWith('3')) return 'sz-badge-info';
  if (code.startsWith('4')) return 'sz-badge-warn';
  if (code.startsWith('5')) return 'sz-badge-fail';
  return '';
}

function responses(items: ResponseItem[], sc: SchemaContext): SafeHtml {
  return html`<h4>Responses</h4>
<div class="apr-responses">${items.map((res) => response(res, sc))}</div>`;
}

function response(res: ResponseItem, sc: SchemaContext): SafeHtml {
  // Generators fill in "Default Response" when the author said nothing; the status text says more.
  const reason = res.code === 'default' ? 'Any other status' : (STATUS_CODES[res.code] ?? '');
  const description = res.description && res.description !== 'Default Response' ? res.description : null;
  const head = html`<span class="sz-badge ${tone(res.code)}">${res.code}</span> <span class="apr-reason">${reason}</span>${res.contents.length > 0 ? html` <span class="sz-muted">· ${res.contents.map((c) => c.mediaType).join(', ')}</span>` : ''}`;
  if (res.contents.length === 0 && description === null) return html`<div class="apr-response apr-response-plain">${head}</div>`;
  // Success bodies are what readers come for; error bodies are usually the same shape, so they start closed.
  return html`<details class="apr-response"${res.code.startsWith('2') ? html` open` : ''}><summary>${head}</summary>
  ${markdown(description)}
  ${mediaBlocks(res.contents, sc, false)}
</details>`;
}

function schemas(model: ApiModel, sc: SchemaContext): SafeHtml {
  return html`<section class="apr-group" id="apr-schemas" aria-labelledby="apr-schemas-h">
  <h2 id="apr-schemas-h" class="apr-group-head">Schemas</h2>
  ${model.schemas.map((s) => html`<article class="sz-card apr-op" id="${s.id}" aria-labelledby="${s.id}-h">
    <h3 id="${s.id}-h"><code>${s.name}</code></h3>
    ${markdown(str(obj(s.schema)?.description))}
    ${schemaBlock(s.schema, sc)}
  </article>`)}
</section>`;
}
