import { html, type SafeHtml } from '../../portal/html.js';
import type { AssetNames } from './assets.js';
import type { SpecProblem } from './spec.js';

/** What both pages share: the title, the back link, the asset names. */
export interface PageFrame {
  title: string;
  backHref: string | null;
  assets: AssetNames;
}

/** URLs relative to the page (served at "<prefix>/"), so the site works under any prefix or proxy path. */
const asset = (name: string) => `./_assets/${name}`;

function header(frame: PageFrame): SafeHtml {
  return html`<header class="oas-bar">${frame.backHref === null ? '' : html`<a class="oas-back" href="${frame.backHref}">← Documentation</a>`}<h1>${frame.title}</h1></header>`;
}

function document(frame: PageFrame, head: SafeHtml, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${frame.title}</title>
<link rel="icon" href="${asset(frame.assets.favicon)}">
${head}<link rel="stylesheet" href="${asset(frame.assets.site)}">
</head>
<body>
${header(frame)}
${body}
</body>
</html>
`.value;
}

/** The Swagger UI page: scripts are files (no inline code), the document's URL is a data attribute. */
export function swaggerPage(frame: PageFrame, specUrl: string): string {
  const head = html`<link rel="stylesheet" href="${asset(frame.assets.css)}">
<script src="${asset(frame.assets.bundle)}" defer></script>
<script src="${asset(frame.assets.init)}" defer></script>
`;
  const body = html`<main id="swagger-ui" data-spec-url="${specUrl}"><noscript><p class="oas-problem">This API reference needs JavaScript.</p></noscript></main>`;
  return document(frame, head, body);
}

/** Why the document cannot be shown: the file, the position of a parse error, its lines. Never a stack. */
export function problemPage(frame: PageFrame, problem: SpecProblem): string {
  const where = problem.line === null ? '' : html` at line ${problem.line}${problem.column === null ? '' : html`, column ${problem.column}`}`;
  const body = html`<main class="oas-problem" role="alert">
<h2>The API document cannot be shown</h2>
<p>The OpenAPI file <code>${problem.file}</code> cannot be served${where}: ${problem.message}.</p>
${problem.excerpt === null ? '' : html`<pre>${problem.excerpt}</pre>`}
<p>Fix the file and reload this page: it is read again when it changes.</p>
</main>`;
  return document(frame, html``, body);
}
