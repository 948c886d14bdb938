/** Vocabulary for the generated pages: plain ASCII words, so heading slugs are predictable. */

export const sections = [
  'Getting Started',
  'Scheduling',
  'Workers',
  'Handlers',
  'Storage',
  'Portal',
  'Operations',
  'Security',
  'Integrations',
  'Reference',
  'Tutorials',
  'Troubleshooting',
] as const;

export const subsections = ['Concepts', 'Guides', 'Recipes', 'Details', 'Examples', 'Notes'] as const;

export const topics = [
  'retry policies', 'cron expressions', 'time zones', 'job payloads', 'worker pools', 'run history',
  'dead letters', 'rate limits', 'backoff', 'concurrency', 'leases', 'heartbeats', 'queues',
  'priorities', 'deadlines', 'webhooks', 'audit logs', 'metrics', 'health checks', 'migrations',
  'backups', 'replication', 'tokens', 'roles', 'sessions', 'templates', 'calendars', 'holidays',
  'dependencies', 'pipelines', 'artifacts', 'secrets', 'environments', 'tags', 'filters',
  'notifications', 'dashboards', 'exports', 'imports', 'plugins',
];

export const headingPhrases = [
  'Overview', 'How it works', 'Configuration', 'Options', 'Examples', 'Limits', 'Defaults',
  'Common mistakes', 'Performance', 'Failure modes', 'Upgrading', 'Monitoring', 'Testing',
  'Command line', 'Environment variables', 'Data model', 'Lifecycle', 'Permissions',
  'Troubleshooting', 'Design notes', 'Compatibility', 'Quick start', 'Advanced usage',
  'Edge cases', 'Logging', 'Validation', 'Cleanup', 'Rollback',
];

export const nouns = [
  'scheduler', 'worker', 'run', 'schedule', 'handler', 'queue', 'store', 'lease', 'token', 'portal',
  'engine', 'payload', 'timer', 'database', 'cluster', 'node', 'request', 'response', 'result',
  'attempt', 'deadline', 'window', 'policy', 'option', 'field', 'record', 'event', 'stream',
];

export const verbs = [
  'claims', 'starts', 'retries', 'records', 'skips', 'sends', 'reads', 'writes', 'checks',
  'updates', 'stores', 'returns', 'rejects', 'accepts', 'expires', 'renews', 'drops', 'keeps',
];

export const adjectives = [
  'durable', 'idle', 'due', 'late', 'remote', 'local', 'failed', 'pending', 'stale', 'fresh',
  'shared', 'private', 'default', 'optional', 'large', 'small', 'paused', 'active',
];

export const connectives = ['when', 'after', 'before', 'unless', 'because', 'while', 'once', 'until'];

export const identifiers = [
  'maxAttempts', 'timeoutMs', 'runAt', 'workerId', 'leaseSeconds', 'cron', 'timezone', 'payload',
  'concurrency', 'backoff', 'priority', 'queueName', 'retryDelay', 'deadline', 'handlerName',
  'pollInterval', 'batchSize', 'dryRun', 'tags', 'createdAt',
];

export const admonitionKinds = ['note', 'tip', 'warning', 'info', 'danger'] as const;
