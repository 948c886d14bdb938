import type { ResolvedPortalConfig } from '../config/load.js';
import { html, type SafeHtml } from '../html.js';

export function loginPage({ csrf, error, next, portal }: { csrf: string; error: string | null; next: string; portal: ResolvedPortalConfig }): SafeHtml {
  return html`<section class="sz-login sz-card">
  <h1>Sign in to ${portal.portal.name}</h1>
  <p class="sz-muted">Use an API token (create one with <code>schedulezero tokens create</code>).</p>
  ${error ? html`<p class="sz-flash sz-flash-error" role="alert" id="login-error">${error}</p>` : ''}
  <form class="sz-form" method="post" action="/login" hx-boost="false">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="next" value="${next}">
    <div class="sz-field">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus${error ? html` aria-invalid="true" aria-describedby="login-error"` : ''}>
    </div>
    <button class="sz-btn sz-btn-primary" type="submit">Sign in</button>
  </form>
</section>`;
}
