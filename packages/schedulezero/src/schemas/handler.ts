import { Type } from 'typebox';
import { IsoTime, NullableIsoTime } from './common.js';
import { GovernedProcess } from './governor.js';
import { WorkerInfo } from './worker.js';

/** GET /api/v1/handlers/{handler}: everything known about one handler. */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const MethodStats = Type.Object({
  runs: Type.Integer({ description: 'Runs scheduled in the window.' }),
  succeeded: Type.Integer(),
  failed: Type.Integer({ description: 'failed, timed out or lost.' }),
  success_rate: Nullable(Type.Number({ description: 'succeeded / finished; null when none finished.' })),
  duration_ms_p50: Nullable(Type.Number()),
  duration_ms_p95: Nullable(Type.Number()),
});

export const MethodDetail = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  params_schema: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of params; runs breaking it are refused.' })),
  timeout_seconds: Nullable(Type.Number({ description: 'Default timeout of its runs (registry).' })),
  retry: Nullable(Type.Record(Type.String(), Type.Number(), { description: 'Default retry policy fields (registry).' })),
  source: Type.Union([Type.Literal('registry'), Type.Literal('worker'), Type.Literal('observed')], {
    description: 'Where the method is known from: the registry file, a worker declaring it, or only seen in runs/workers.',
  }),
  online_workers: Type.Integer({ description: 'Online workers offering it.' }),
  stats: MethodStats,
});

export const HandlerDetail = Type.Object({
  handler: Type.String(),
  type: Type.Union([Type.Literal('worker'), Type.Literal('http'), Type.Literal('command'), Type.Literal('in_process')]),
  description: Nullable(Type.String()),
  declared: Type.Boolean({ description: 'Listed in handler_registry.yaml.' }),
  status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  health: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('failing'), Type.Literal('offline')], {
    description: 'offline: no online worker; failing: under 50 % success over the window; degraded: under 90 %; else healthy.',
  }),
  running: Type.Integer(),
  last_seen_at: NullableIsoTime,
  workers: Type.Array(WorkerInfo),
  methods: Type.Array(MethodDetail),
  window: Type.Object({ since: IsoTime, until: IsoTime }),
  governor: Nullable(GovernedProcess),
  docs_url: Nullable(Type.String()),
});
