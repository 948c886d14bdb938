import { Type, type Static } from 'typebox';

/**
 * portal_config.yaml, as in the platform design ("Platform Configuration Schema"). This one
 * schema validates the file, types the loaded config, and is published as JSON Schema
 * (`schedulezero portal schema`, docs/reference/portal_config.schema.json) for editors.
 */

const Id = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Identifier: letters, digits, "_" and "-".' });

export const MICROSITE_TYPES = ['htmx', 'mkdocs', 'external', 'openapi'] as const;

export const MicrositeEntrySchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1, description: 'Shown in the navigation.' })),
    icon: Type.Optional(Type.String({ description: 'An emoji or short text shown before the name.' })),
    microsite_type: Type.Optional(Type.Enum([...MICROSITE_TYPES], { description: 'Default htmx.' })),
    source: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          '"schedulezero-core" (default) for a built-in microsite, a path relative to this file ("./microsites/logs"), or an npm package name.',
      }),
    ),
    path: Type.Optional(
      Type.String({ minLength: 1, description: 'URL path the microsite is mounted at ("/logs"); an absolute URL for external ones.' }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'false: neither routed nor listed. Default true.' })),
    nav_order: Type.Optional(Type.Integer({ description: 'Position in the navigation, lowest first. Default: the order in this list.' })),
    description: Type.Optional(Type.String()),
    docs_source: Type.Optional(Type.String({ minLength: 1, description: 'Folder of the microsite\'s MkDocs site (mkdocs.yml), relative to this file.' })),
    open_in: Type.Optional(Type.Enum(['new_tab', 'same_tab'], { description: 'External links only. Default new_tab.' })),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Settings handed to the microsite as is.' })),
  },
  { additionalProperties: false },
);

export const DocSiteSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1, description: "Shown in the list of doc sites and the site's navigation. Default: the site's site_name." })),
    icon: Type.Optional(Type.String({ description: 'An emoji or short text shown before the name in the list of doc sites.' })),
    path: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Where the site is served, under the docs microsite\'s path: "/docs" (its root) or "/docs/handlers/python". Default /docs/<id>. An absolute URL makes the site a link.',
      }),
    ),
    source: Type.Optional(
      Type.String({ minLength: 1, description: 'A folder holding mkdocs.yml (relative to this file); for type openapi, an OpenAPI file (YAML or JSON).' }),
    ),
    docs_source: Type.Optional(Type.String({ minLength: 1, description: 'Same as source (the seed\'s name for it).' })),
    url: Type.Optional(Type.String({ minLength: 1, description: 'Where the site lives when it is hosted elsewhere: the site is listed as a link. Needed by every site in the external strategy.' })),
    type: Type.Optional(Type.Enum(['mkdocs', 'openapi'], { description: 'mkdocs (default): an MkDocs site built by the portal. openapi: an API reference rendered with Swagger UI, from source or the server\'s own OpenAPI document.' })),
    microsite_type: Type.Optional(Type.Enum(['mkdocs', 'openapi'], { description: 'Same as type.' })),
    priority: Type.Optional(Type.Integer({ description: 'Position in the list of doc sites and in a unified navigation, lowest first.' })),
    nav_order: Type.Optional(Type.Integer({ description: 'Same as priority.' })),
    enabled: Type.Optional(Type.Boolean({ description: 'false: the site is neither built nor listed. Default true.' })),
    description: Type.Optional(Type.String({ description: 'Shown under the name in the list of doc sites.' })),
  },
  { additionalProperties: false },
);

export const PortalConfigSchema = Type.Object(
  {
    portal: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1 })),
          version: Type.Optional(Type.String()),
          type: Type.Optional(Type.Enum(['core', 'custom', 'saas'])),
          base_platform: Type.Optional(Type.String()),
          base_version: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    branding: Type.Optional(
      Type.Object(
        {
          logo: Type.Optional(Type.String({ minLength: 1, description: 'URL of the logo, or a file path relative to this file.' })),
          favicon: Type.Optional(Type.String({ minLength: 1, description: 'URL of the favicon, or a file path relative to this file.' })),
          primary_color: Type.Optional(
            Type.String({ pattern: '^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$', description: 'Hex colour such as "#2E7D32".' }),
          ),
          company_name: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    microsites: Type.Optional(
      Type.Array(Type.Union([Id, MicrositeEntrySchema], { description: 'a built-in microsite id, or a mapping with at least an id' }), {
        description: 'Built-in ids (sz_dash, sz_schedules, sz_handlers, sz_docs) or microsite entries.',
      }),
    ),
    documentation: Type.Optional(
      Type.Object(
        {
          strategy: Type.Optional(
            Type.Enum(['unified', 'modular', 'separate', 'external'], {
              description:
                'modular (default; separate is the same): each site built on its own and served at its own path. unified: every MkDocs site merged into one site with one navigation and one search. external: every site listed as a link to its url.',
            }),
          ),
          sites: Type.Optional(
            Type.Array(DocSiteSchema, { description: "The doc sites. Without any, the portal serves ScheduleZero's own docs at /docs and the handler SDKs' docs under /docs/handlers/." }),
          ),
        },
        { additionalProperties: false, description: 'The documentation sites of the portal and how they are served.' },
      ),
    ),
    multi_tenant: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          tenant_isolation: Type.Optional(Type.Enum(['database', 'schema', 'kubernetes'])),
        },
        { additionalProperties: false },
      ),
    ),
    billing: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          provider: Type.Optional(Type.String()),
          usage_metrics: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    $id: 'https://schedulezero.dev/schemas/portal_config.schema.json',
    title: 'ScheduleZero portal_config.yaml',
  },
);

export type PortalConfigFile = Static<typeof PortalConfigSchema>;
export type MicrositeEntry = Static<typeof MicrositeEntrySchema>;
export type DocSiteEntry = Static<typeof DocSiteSchema>;
export type MicrositeType = (typeof MICROSITE_TYPES)[number];

/** The JSON Schema document as published for editors (yaml-language-server, VS Code). */
export function portalConfigJsonSchema(): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(PortalConfigSchema)) };
}
