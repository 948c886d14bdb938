import { Type } from 'typebox';
import { Identifier, JsonAny, JsonObjectSchema } from '../../schemas/common.js';

/** OpenAPI grouping and marking of the original's routes. */
export const TAGS = ['original (compat)'];

export function describe(summary: string, v1: string, extra = '') {
  return {
    tags: TAGS,
    deprecated: true,
    summary,
    description: `Route of the original Python ScheduleZero, kept for its API clients (same request and response shapes). Use ${v1} instead.${extra ? ` ${extra}` : ''}`,
  };
}

export const OriginalError = Type.Object(
  {
    error: Type.Object({
      code: Type.Integer({ description: 'The HTTP status, as the original sent it.' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'Dotted path of the offending input (new).' })),
      run_id: Type.Optional(Type.String({ description: 'The run, when one was created (new).' })),
    }),
  },
  { description: "The original's error shape." },
);

const OriginalTrigger = Type.Object(
  { type: Type.String({ description: '`date`, `interval` or `cron` (any case).' }) },
  {
    additionalProperties: true,
    description:
      "APScheduler's arguments: date `run_date`; interval `weeks`..`seconds`, `start_time`, `end_time`; cron `year`..`second`, `timezone`, `start_time`, `end_time`.",
    examples: [{ type: 'interval', seconds: 30 }, { type: 'cron', hour: '*/2', minute: '0' }, { type: 'date', run_date: '2030-01-01T09:00:00Z' }],
  },
);

// The original ignored fields it did not know; so do these bodies.
export const ScheduleBody = Type.Object(
  {
    handler_id: Identifier,
    job_method: Identifier,
    job_params: Type.Optional(JsonObjectSchema),
    trigger: OriginalTrigger,
    job_id: Type.Optional(Type.Union([Identifier, Type.Null()])),
  },
  { additionalProperties: true },
);

export const RunNowBody = Type.Object(
  { handler_id: Identifier, job_method: Identifier, job_params: Type.Optional(JsonObjectSchema) },
  { additionalProperties: true },
);

export const Scheduled = Type.Object({ status: Type.Literal('success'), job_id: Type.String() });

export const RunNowResult = Type.Object({
  status: Type.Literal('success'),
  result: Type.Record(Type.String(), Type.Unknown(), { description: "The handler's reply: `{success: true, ...}`." }),
  message: Type.String(),
  run_id: Type.String({ description: 'The run in /api/v1/runs (new).' }),
});

export const ScheduleList = Type.Object({
  schedules: Type.Array(
    Type.Object({
      id: Type.String(),
      next_fire_time: Type.Union([Type.String(), Type.Null()]),
      trigger: Type.String({ description: 'The trigger in words.' }),
      args: Type.Array(JsonAny, { description: '[handler_id, job_method, job_params], as the original stored them.' }),
    }),
  ),
  count: Type.Integer(),
  truncated: Type.Optional(Type.Boolean({ description: 'More schedules exist than listed; page through /api/v1/schedules (new).' })),
});

export const ScheduleRemoved = Type.Object({ status: Type.Literal('success'), message: Type.String(), schedule_id: Type.String() });

export const HandlerList = Type.Object({
  handlers: Type.Array(
    Type.Object({
      id: Type.String(),
      address: Type.Union([Type.String(), Type.Null()], { description: 'ZeroMQ endpoint (or webhook URL); null for pull workers and in-process handlers.' }),
      methods: Type.Array(Type.String()),
      status: Type.Union([Type.Literal('Connected'), Type.Literal('Disconnected')]),
      type: Type.String({ description: 'zeromq, worker, http, command or in_process (new).' }),
      last_seen: Type.Union([Type.String(), Type.Null()], { description: 'Last sign of life of any of its workers (new).' }),
    }),
  ),
});

export const Health = Type.Object({ status: Type.Literal('ok'), service: Type.Literal('ScheduleZero') });

const Record_ = Type.Object({
  job_id: Type.String({ description: 'The schedule id; for a one-off run, the run id.' }),
  run_id: Type.String(),
  handler_id: Type.String(),
  method_name: Type.String(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  completed_at: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
  status: Type.String({ description: 'running, retry, success, error or cancelled.' }),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  attempt_number: Type.Integer(),
  max_attempts: Type.Integer(),
  params_summary: Type.Union([Type.String(), Type.Null()]),
});

export const ExecutionsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ description: 'Default 100; more than 1000 gives 1000.' })),
  handler_id: Type.Optional(Type.String({ maxLength: 128 })),
  job_id: Type.Optional(Type.String({ maxLength: 128 })),
  status: Type.Optional(Type.String({ description: 'running, retry, success, error or cancelled.' })),
});

export const ErrorsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ description: 'Default 50; more than 500 gives 500.' })),
});

export const ExecutionList = Type.Object({ count: Type.Integer(), limit: Type.Integer(), records: Type.Array(Record_) });
export const ErrorList = Type.Object({ count: Type.Integer(), limit: Type.Integer(), errors: Type.Array(Record_) });

export const ExecutionStats = Type.Object({
  total_executions: Type.Integer(),
  lifetime_executions: Type.Integer(),
  success_count: Type.Integer(),
  error_count: Type.Integer(),
  success_rate: Type.Number({ description: 'Percent (0-100).' }),
  avg_duration_ms: Type.Number(),
  by_handler: Type.Record(Type.String(), Type.Object({ total: Type.Integer(), success: Type.Integer(), error: Type.Integer() })),
});

export const Cleared = Type.Object({ status: Type.Literal('success'), message: Type.String(), deleted: Type.Integer({ description: 'Runs deleted (new).' }) });

export const ScheduleIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
