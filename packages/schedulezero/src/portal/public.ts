/**
 * `schedulezero/portal`: what microsite authors import (types, the escaping templates, the formatters).
 * Plain JavaScript microsites need none of it: everything also arrives through `ctx`.
 */
export { defineMicrosite } from './plugin.js';
export type { DashboardCard, MicrositeContext, MicrositeDefinition, MountedMicrosite, NavItem, PageOptions } from './plugin.js';
export type { PortalApi } from './api.js';
export type { ResolvedMicrosite, ResolvedPortalConfig } from './config/load.js';
export { escapeHtml, html, raw, SafeHtml } from './html.js';
export { format, type PortalFormat } from './format.js';
export { portalConfigJsonSchema, PortalConfigSchema } from './config/schema.js';
