import type { MicrositeContext } from '../../plugin.js';

/**
 * URLs inside the microsite, built from ctx.url() so that a different mount path in
 * portal_config.yaml just works. Ids may hold "/" and other reserved characters: always encoded.
 */
export class Links {
  constructor(private readonly ctx: MicrositeContext) {}

  home(query?: Record<string, string | undefined>): string {
    return withQuery(this.ctx.url('/'), query);
  }
  create(): string {
    return this.ctx.url('/new');
  }
  preview(): string {
    return this.ctx.url('/preview');
  }
  schedule(id: string, query?: Record<string, string | undefined>): string {
    return withQuery(this.ctx.url(`/${encodeURIComponent(id)}`), query);
  }
  scheduleAction(id: string, action: 'edit' | 'delete' | 'pause' | 'resume' | 'run'): string {
    return this.ctx.url(`/${encodeURIComponent(id)}/${action}`);
  }
  run(runId: string): string {
    return this.ctx.url(`/runs/${encodeURIComponent(runId)}`);
  }
  runAction(runId: string, action: 'retry' | 'cancel'): string {
    return this.ctx.url(`/runs/${encodeURIComponent(runId)}/${action}`);
  }

  /**
   * Where to go after an action, from a form's `back` field: only a path inside this microsite
   * (never another site, never a protocol-relative URL), without an old flash.
   */
  safeBack(value: unknown): string | null {
    if (typeof value !== 'string' || value === '' || value.length > 2000) return null;
    if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
    let url: URL;
    try {
      url = new URL(value, 'http://portal.invalid');
    } catch {
      return null;
    }
    const base = this.ctx.url('/');
    if (url.origin !== 'http://portal.invalid') return null;
    if (url.pathname !== base.replace(/\/$/, '') && !url.pathname.startsWith(base)) return null;
    url.searchParams.delete('flash');
    url.searchParams.delete('run');
    return url.pathname + url.search;
  }
}

export function withQuery(path: string, query?: Record<string, string | undefined>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const text = params.toString();
  if (text === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${text}`;
}
