import { DEFAULT_RETRY } from '../../domain/types.js';
import { DEFAULTS as GOVERNOR_DEFAULTS } from '../../governor/spec.js';
import { DEFAULT_KILL_GRACE_SECONDS } from '../../handlers/command-handler.js';
import { DEFAULT_WEBHOOK_TIMEOUT_SECONDS } from '../../handlers/http-handler.js';
import { DEFAULT_REGISTRY_CONCURRENCY } from '../../handlers/index.js';
import { HandlerRegistrySchema } from '../../handlers/registry-schema.js';
import { DEFAULT_MICROSITES } from '../../portal/config/defaults.js';
import { PortalConfigSchema } from '../../portal/config/schema.js';
import { ConfigFileSchema, DEFAULT_CONFIG } from '../../server/config.js';
import { SlugRegistry } from '../slug.js';
import { schemaToMarkdown, type KeyNote } from './json-schema-markdown.js';

/**
 * The configuration reference pages of docs/reference/: each file's schema rendered by
 * json-schema-markdown, with an introduction (where the file is read from, what overrides it)
 * and an example. `npm run docs:reference` writes them; a test keeps the committed pages equal
 * to what this returns.
 */

export interface ReferencePage {
  /** Relative to docs/, e.g. 'reference/portal-config.md'. */
  file: string;
  markdown: string;
}

export interface ReferenceSpec {
  file: string;
  /** The file's name, the page's title. */
  title: string;
  /** Where the schema is defined (shown in the "generated from" line). */
  schemaSource: string;
  schema: object;
  /** Markdown between the title and the example. */
  intro: { heading: string | null; markdown: string }[];
  /** A small file that loads as it is (the tests load it with the real loader). */
  example: string;
  /** Descriptions and defaults the schema does not carry, by dotted path. */
  notes: Record<string, KeyNote>;
}

const GENERATOR = 'npm run docs:reference';

// ----- schedulezero.yaml ---------------------------------------------------------------------------

const SERVER_NOTES: Record<string, KeyNote> = {
  host: { description: 'Interface to listen on. Any but loopback needs API tokens, or `allow_open_bind`.', default: DEFAULT_CONFIG.host },
  port: { description: 'Port of the API, the worker protocol and the portal.', default: DEFAULT_CONFIG.port },
  database_url: {
    description: '`sqlite:PATH` (relative to the working folder), `sqlite:///absolute/path`, `sqlite::memory:`, or `postgres://user:password@host:5432/database` (`?schema=name` for a schema of its own).',
    default: DEFAULT_CONFIG.database_url,
  },
  log_level: { description: 'The least severe level that is logged.', default: DEFAULT_CONFIG.log_level },
  allow_open_bind: { description: 'Listen on a non-loopback address even with no API token.', default: DEFAULT_CONFIG.allow_open_bind },
  portal: { default: DEFAULT_CONFIG.portal },
  portal_config: { defaultText: '`./portal_config.yaml` when present, else the vanilla portal' },
  handler_registry: { defaultText: '`./handler_registry.yaml` when present' },
  'zmq.enabled': { description: 'Listen for handlers written for the original ScheduleZero. `SCHEDULEZERO_ZMQ_HOST` or `SCHEDULEZERO_ZMQ_PORT` in the environment turns it on too.', default: false },
  'zmq.host': { description: 'Interface of the ZeroMQ registration socket.', default: '127.0.0.1' },
  'zmq.port': { description: 'Port of the ZeroMQ registration socket.', default: 4242 },
  heartbeat_seconds: { description: 'Workers poll or heartbeat at least this often (the server tells them when they register).', default: DEFAULT_CONFIG.heartbeat_seconds },
  lease_seconds: { description: 'A worker unseen this long is lost, and its runs are retried elsewhere.', default: DEFAULT_CONFIG.lease_seconds },
  shutdown_grace_seconds: { description: 'On SIGTERM or Ctrl-C, the time in-process runs get to finish.', default: DEFAULT_CONFIG.shutdown_grace_seconds },
  retention: { description: 'How long finished runs are kept. Queued and running runs are never deleted.' },
  'retention.days': { description: 'Finished runs older than this many days are deleted; `null` keeps them.', default: DEFAULT_CONFIG.retention.days },
  'retention.runs_per_schedule': { description: 'At most this many finished runs are kept per schedule; `null`: no limit.', default: DEFAULT_CONFIG.retention.runs_per_schedule },
};

const SERVER: ReferenceSpec = {
  file: 'reference/schedulezero-yaml.md',
  title: 'schedulezero.yaml',
  schemaSource: 'packages/schedulezero/src/server/config.ts',
  schema: ConfigFileSchema,
  intro: [
    {
      heading: null,
      markdown:
        "The server's settings file. Every key is optional: a key left out keeps its default. Environment variables win over the file, and `schedulezero serve` flags win over both; see [Configuration](../configuration.md) for the whole picture.",
    },
    {
      heading: 'Where the file is read from',
      markdown: [
        'The first of:',
        '',
        '1. `schedulezero serve --config FILE`',
        '2. the environment variable `SCHEDULEZERO_CONFIG`',
        '3. `./schedulezero.yaml` in the working folder, when it exists',
        '',
        'With none, the defaults below apply. Relative paths in the file (`database_url`, `portal_config`, `handler_registry`) are relative to the working folder.',
        'A mistake, an unknown key included, stops the server with the file, line, column and key:',
        '',
        '```text',
        'schedulezero: configuration error: /etc/schedulezero.yaml:4:3: retention.forever: unknown key',
        '```',
      ].join('\n'),
    },
    {
      heading: 'Environment variables and flags',
      markdown: [
        '| key | environment variable | `schedulezero serve` flag |',
        '| --- | --- | --- |',
        '| `host` | `SCHEDULEZERO_HOST` | `--host` |',
        '| `port` | `SCHEDULEZERO_PORT` | `--port` |',
        '| `database_url` | `SCHEDULEZERO_DATABASE_URL` | `--database` |',
        '| `log_level` | `SCHEDULEZERO_LOG_LEVEL`, else `LOG_LEVEL` | `--log-level` |',
        '| `allow_open_bind` | `SCHEDULEZERO_ALLOW_OPEN_BIND=true` (or `1`) | `--allow-open-bind` |',
        '| `portal` | `SCHEDULEZERO_PORTAL=false` (or `0`) | `--no-portal` |',
        '| `portal_config` | `SCHEDULEZERO_PORTAL_CONFIG` | `--portal-config` |',
        '| `handler_registry` | `SCHEDULEZERO_HANDLER_REGISTRY` | `--handler-registry` |',
        '| `zmq.host`, `zmq.port` | `SCHEDULEZERO_ZMQ_HOST`, `SCHEDULEZERO_ZMQ_PORT` (either turns ZeroMQ on) | |',
        '| `api_token_hashes` | `SCHEDULEZERO_API_TOKENS`: comma-separated tokens, hashed on load and added to the file\'s | |',
      ].join('\n'),
    },
  ],
  example: [
    'host: 0.0.0.0',
    'port: 8888',
    'database_url: sqlite:///var/lib/schedulezero/schedulezero.db',
    'log_level: info',
    'api_token_hashes:            # sha256 of each token; or SCHEDULEZERO_API_TOKENS',
    '  - 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'handler_registry: /etc/schedulezero/handler_registry.yaml',
    'retention:',
    '  days: 90',
    '  runs_per_schedule: 500',
    '',
  ].join('\n'),
  notes: SERVER_NOTES,
};

// ----- portal_config.yaml --------------------------------------------------------------------------

const PORTAL_NOTES: Record<string, KeyNote> = {
  portal: { description: 'What the portal is called and which version it is.' },
  'portal.name': { description: 'Shown in the header and in page titles.', default: 'ScheduleZero' },
  'portal.version': { description: "Your portal's version, shown in the footer beside its name." },
  'portal.type': { default: 'core' },
  'portal.base_platform': { default: 'schedulezero' },
  'portal.base_version': { description: 'The ScheduleZero version the portal is built on.' },
  branding: { description: 'Logo, favicon, colour and company name.' },
  'branding.primary_color': { default: '#4f46e5' },
  'branding.company_name': { description: 'Shown in the footer.' },
  microsites: { default: DEFAULT_MICROSITES },
  'microsites[].description': { description: 'Shown when the pointer rests on the navigation link.' },
  multi_tenant: { description: 'Read and checked, not acted on in this release (a warning says so when enabled).' },
  'multi_tenant.enabled': { default: false },
  'multi_tenant.tenant_isolation': { default: 'database' },
  billing: { description: 'Read and checked, not acted on in this release (a warning says so when enabled).' },
  'billing.enabled': { default: false },
};

const PORTAL: ReferenceSpec = {
  file: 'reference/portal-config.md',
  title: 'portal_config.yaml',
  schemaSource: 'packages/schedulezero/src/portal/config/schema.ts',
  schema: PortalConfigSchema,
  intro: [
    {
      heading: null,
      markdown:
        'Which microsites the web portal has, in which order, under which names, and with which branding. [The portal](../portal/index.md) explains each part; this page lists every key.',
    },
    {
      heading: 'Where the file is read from',
      markdown: [
        'The first of:',
        '',
        '1. `schedulezero serve --portal-config FILE`',
        '2. the environment variable `SCHEDULEZERO_PORTAL_CONFIG`',
        '3. `portal_config` in [schedulezero.yaml](schedulezero-yaml.md)',
        '4. `./portal_config.yaml` in the working folder, when it exists',
        '',
        'With none, the server serves the vanilla portal (the four built-in microsites). Paths in the file (`source`, `docs_source`, `branding.logo`, `branding.favicon`) are relative to the file\'s folder.',
        'No environment variable overrides a key of this file.',
        '',
        'Unknown keys are warnings, reported with their place and ignored; any other mistake stops the server. `schedulezero portal check [FILE]` checks a file (and loads its microsites) without starting a server, and `schedulezero portal schema` prints the JSON Schema for editors, also kept here as [portal_config.schema.json](portal_config.schema.json).',
      ].join('\n'),
    },
  ],
  example: [
    'portal:',
    '  name: Acme Scheduling',
    'branding:',
    '  primary_color: "#2E7D32"',
    '  company_name: Acme Inc.',
    'microsites:',
    '  - sz_dash',
    '  - id: sz_schedules',
    '    name: Jobs',
    '  - sz_handlers',
    '  - sz_docs',
    '  - id: status',
    '    name: Status',
    '    microsite_type: external',
    '    path: https://status.example.com/',
    '',
  ].join('\n'),
  notes: PORTAL_NOTES,
};

// ----- handler_registry.yaml -----------------------------------------------------------------------

const REGISTRY_NOTES: Record<string, KeyNote> = {
  handlers: { description: 'The handlers, each a mapping whose `type` says how its runs are carried out.' },
  'handlers[].id': { description: 'The handler name that schedules and runs give as `handler`.' },
  'handlers[].description': { description: 'Shown in the portal and by `GET /api/v1/handlers/{id}`.' },
  'handlers[].concurrency': { default: DEFAULT_REGISTRY_CONCURRENCY },
  'handlers[].docs_url': { description: 'A link shown with the handler.' },
  'handlers[].headers': { description: 'Extra HTTP headers sent with every request.' },
  'handlers[].timeout_seconds': { description: 'Per request: without a complete answer within this long, the attempt fails.', default: DEFAULT_WEBHOOK_TIMEOUT_SECONDS },
  'handlers[].cwd': { description: "The program's working folder, relative to the registry file's folder.", defaultText: "the registry file's folder" },
  'handlers[].kill_grace_seconds': { default: DEFAULT_KILL_GRACE_SECONDS },
  'handlers[].run': { description: 'Start this worker and keep it running: see [the governor](../governor.md).' },
  'handlers[].run.cwd': { description: "The process's working folder, relative to the registry file's folder.", defaultText: "the registry file's folder" },
  'handlers[].run.max_restarts': { default: GOVERNOR_DEFAULTS.max_restarts },
  'handlers[].run.backoff_initial_seconds': { default: GOVERNOR_DEFAULTS.backoff_initial_seconds },
  'handlers[].run.backoff_max_seconds': { default: GOVERNOR_DEFAULTS.backoff_max_seconds },
  'handlers[].run.stable_seconds': { default: GOVERNOR_DEFAULTS.stable_seconds },
  'handlers[].run.stop_grace_seconds': { default: GOVERNOR_DEFAULTS.stop_grace_seconds },
  'handlers[].run.log_file': { defaultText: "`logs/<handler id>.log` beside the registry file" },
  'handlers[].methods.*.description': { description: 'What the method does; shown in the portal and the API.' },
  'handlers[].methods.*.retry': { description: "Default retry policy of the method's runs, key by key; a schedule's or run's own policy wins." },
  'handlers[].methods.*.retry.max_attempts': { description: 'Attempts in all, the first included: 1 means no retry.', default: DEFAULT_RETRY.max_attempts },
  'handlers[].methods.*.retry.initial_delay_seconds': { description: 'Wait before the first retry.', default: DEFAULT_RETRY.initial_delay_seconds },
  'handlers[].methods.*.retry.backoff_factor': { description: 'Each wait is the one before times this.', default: DEFAULT_RETRY.backoff_factor },
  'handlers[].methods.*.retry.max_delay_seconds': { description: 'The longest wait between attempts.', default: DEFAULT_RETRY.max_delay_seconds },
};

const REGISTRY: ReferenceSpec = {
  file: 'reference/handler-registry.md',
  title: 'handler_registry.yaml',
  schemaSource: 'packages/schedulezero/src/handlers/registry-schema.ts',
  schema: HandlerRegistrySchema,
  intro: [
    {
      heading: null,
      markdown:
        'The handlers the server knows before any worker connects: their type, their methods with parameter schemas and default policies, and how to reach (`http`), start (`command`) or keep running (`worker` with `run`) each of them. [Handlers and the registry](../handlers.md) explains them with a longer example.',
    },
    {
      heading: 'Where the file is read from',
      markdown: [
        'The first of:',
        '',
        '1. `schedulezero serve --handler-registry FILE`',
        '2. the environment variable `SCHEDULEZERO_HANDLER_REGISTRY`',
        '3. `handler_registry` in [schedulezero.yaml](schedulezero-yaml.md)',
        '4. `./handler_registry.yaml` in the working folder, when it exists',
        '',
        'With none, the server knows only the pull workers that register and the handlers of the process it is embedded in. `schedulezero governor [--registry FILE]` reads the same file on hosts without a server. Relative paths in the file (`cwd`, `run.cwd`, `run.log_file`) are relative to the file\'s folder.',
        '',
        'The file is checked when the server starts; a mistake stops it with the file, line, column and key. An `http` handler\'s `secret_env` names an environment variable that must be set for the server.',
      ].join('\n'),
    },
  ],
  example: [
    'handlers:',
    '  - id: billing',
    '    type: http',
    '    url: http://127.0.0.1:9000/schedulezero/jobs',
    '    methods:',
    '      send_invoices:',
    '        timeout_seconds: 600',
    '        retry: { max_attempts: 5, initial_delay_seconds: 10 }',
    '  - id: reports',
    '    type: command',
    '    command: [python3, reports.py]',
    '    methods:',
    '      daily:',
    '        params_schema:',
    '          type: object',
    '          properties:',
    '            date: { type: string }',
    '  - id: pydemo',
    '    type: worker',
    '    run:',
    '      command: [python3, worker.py]',
    '    methods:',
    '      hello:',
    '',
  ].join('\n'),
  notes: REGISTRY_NOTES,
};

export function referenceSpecs(): ReferenceSpec[] {
  return [SERVER, PORTAL, REGISTRY];
}

export function referencePages(): ReferencePage[] {
  return referenceSpecs().map((spec) => ({ file: spec.file, markdown: renderPage(spec) }));
}

function renderPage(spec: ReferenceSpec): string {
  // One registry for the whole page, in page order, as the docs renderer (and MkDocs) number ids.
  const slugs = new SlugRegistry();
  const parts: string[] = [];
  const heading = (level: number, text: string) => {
    slugs.unique(text);
    parts.push(`${'#'.repeat(level)} ${text}`);
  };
  heading(1, spec.title);
  for (const section of spec.intro) {
    if (section.heading !== null) heading(2, section.heading);
    parts.push(section.markdown);
  }
  heading(2, 'Example');
  parts.push(`\`\`\`yaml\n${spec.example.trimEnd()}\n\`\`\``);
  parts.push(schemaToMarkdown(spec.schema, { rootTitle: 'Top-level keys', notes: spec.notes, slugs }).trimEnd());
  parts.push(`*This page is generated by \`${GENERATOR}\` from the schema in \`${spec.schemaSource}\` (descriptions the schema lacks come from \`packages/schedulezero/src/docs/reference/pages.ts\`): edit those, not this page.*`);
  return `${parts.join('\n\n')}\n`;
}
