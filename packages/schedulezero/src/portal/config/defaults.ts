import type { MicrositeType } from './schema.js';

/** The core microsites and what an entry that only names one gets. */
export const BUILTIN_MICROSITES: Record<string, { name: string; icon: string; path: string; type: MicrositeType; description: string }> = {
  sz_dash: { name: 'Dashboard', icon: '📊', path: '/dash', type: 'htmx', description: 'Live overview: running now, next due, failures, handler health.' },
  sz_schedules: { name: 'Schedules', icon: '🗓️', path: '/schedules', type: 'htmx', description: 'Create, edit, pause and run schedules; run history.' },
  sz_handlers: { name: 'Handlers', icon: '🔌', path: '/handlers', type: 'htmx', description: 'Handlers, their workers and how their methods perform.' },
  sz_docs: { name: 'Docs', icon: '📖', path: '/docs', type: 'htmx', description: 'Documentation sites of the portal.' },
};

/** The vanilla portal of the platform design. */
export const DEFAULT_MICROSITES = ['sz_dash', 'sz_schedules', 'sz_handlers', 'sz_docs'];

/** Paths the server itself answers; no microsite may take them. */
export const RESERVED_PATHS = ['/api', '/metrics', '/_sz', '/login', '/logout'];
