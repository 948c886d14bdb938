import { Type, type Static } from 'typebox';
import { Cursor, Identifier, IsoTime, JsonAny, JsonObjectSchema, Limit, NullableIsoTime } from './common.js';
import { RetryInput, RetryOutput } from './schedule.js';

export const RunStatusSchema = Type.Union(
  [
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('timed_out'),
    Type.Literal('cancelled'),
    Type.Literal('lost'),
    Type.Literal('missed'),
  ],
  { description: 'queued -> running -> succeeded | failed | timed_out | cancelled | lost; or missed.' },
);

export const RunErrorSchema = Type.Object({
  message: Type.String({ maxLength: 10_000 }),
  type: Type.Optional(Type.String({ maxLength: 200 })),
  retryable: Type.Optional(Type.Boolean({ description: 'false: do not retry, whatever the policy says.' })),
});

export const Attempt = Type.Object({
  attempt: Type.Integer(),
  status: Type.String(),
  worker_id: Type.Union([Type.String(), Type.Null()]),
  started_at: IsoTime,
  finished_at: NullableIsoTime,
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
  result: JsonAny,
  error: Type.Union([RunErrorSchema, Type.Null()]),
});

const runProperties = {
  id: Type.String(),
  schedule_id: Type.Union([Type.String(), Type.Null()]),
  origin: Type.Union([Type.Literal('scheduled'), Type.Literal('manual'), Type.Literal('one_off')]),
  handler: Type.String(),
  method: Type.String(),
  params: JsonObjectSchema,
  status: RunStatusSchema,
  attempt: Type.Integer({ description: 'Attempts started so far.' }),
  retry: RetryOutput,
  timeout_seconds: Type.Union([Type.Number(), Type.Null()]),
  scheduled_at: IsoTime,
  available_at: IsoTime,
  started_at: NullableIsoTime,
  finished_at: NullableIsoTime,
  deadline: NullableIsoTime,
  worker_id: Type.Union([Type.String(), Type.Null()]),
  cancel_requested: Type.Boolean(),
  progress: Type.Union([Type.Number(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  result: JsonAny,
  error: Type.Union([RunErrorSchema, Type.Null()]),
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
  created_at: IsoTime,
  updated_at: IsoTime,
};

export const Run = Type.Object(runProperties);
export type Run = Static<typeof Run>;

export const RunDetail = Type.Object({ ...runProperties, attempts: Type.Array(Attempt) });

export const RunList = Type.Object({
  items: Type.Array(Run),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const RunCreate = Type.Object(
  {
    handler: Identifier,
    method: Identifier,
    params: Type.Optional(JsonObjectSchema),
    retry: Type.Optional(RetryInput),
    timeout_seconds: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 604_800 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type RunCreate = Static<typeof RunCreate>;

export const RunListQuery = Type.Object(
  {
    schedule_id: Type.Optional(Type.String({ maxLength: 128 })),
    handler: Type.Optional(Type.String({ maxLength: 128 })),
    method: Type.Optional(Type.String({ maxLength: 128 })),
    status: Type.Optional(
      Type.String({ maxLength: 200, description: 'One status or several, comma-separated: `failed,timed_out`.' }),
    ),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'scheduled_at >= since' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'scheduled_at < until' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type RunListQuery = Static<typeof RunListQuery>;

export const StatsQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 24 hours ago.' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    handler: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type StatsQuery = Static<typeof StatsQuery>;

const StatusCounts = Type.Record(Type.String(), Type.Integer());
const statsProperties = {
  counts: StatusCounts,
  total: Type.Integer(),
  success_rate: Type.Union([Type.Number(), Type.Null()]),
  duration_ms_p50: Type.Union([Type.Number(), Type.Null()]),
  duration_ms_p95: Type.Union([Type.Number(), Type.Null()]),
};
export const RunStatsSchema = Type.Object({
  since: IsoTime,
  until: IsoTime,
  ...statsProperties,
  by_handler: Type.Array(Type.Object({ handler: Type.String(), ...statsProperties })),
});

// --- run logs -----------------------------------------------------------------------------------

export const LogStreamSchema = Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('log')], {
  description: "Where the line came from: a program's stdout or stderr, or a handler's own log call.",
});

export const RunLogLineInput = Type.Object(
  {
    message: Type.String({ maxLength: 1_000_000, description: 'One line. The server cuts a line longer than 8 KiB (UTF-8) and marks the cut with "…".' }),
    stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('log')], { default: 'log', description: 'Default `log`.' })),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'When the line was written (ISO-8601). Default: when the server receives it.' })),
  },
  { additionalProperties: false },
);

export const RunLogAppend = Type.Object(
  {
    worker_id: Type.String({ minLength: 1, maxLength: 128, description: 'The worker running the run.' }),
    attempt: Type.Optional(Type.Integer({ minimum: 1, description: 'The attempt the worker runs (from the job); lines for an attempt the run has left are refused.' })),
    lines: Type.Array(RunLogLineInput, { minItems: 1, maxItems: 1000, description: '1 to 1,000 lines, in the order written.' }),
  },
  { additionalProperties: false },
);
export type RunLogAppend = Static<typeof RunLogAppend>;

export const RunLogAppendResult = Type.Object({
  accepted: Type.Integer({ description: 'Lines stored.' }),
  dropped: Type.Integer({ description: "Lines dropped because the run's log is full." }),
  truncated: Type.Boolean({ description: "The run's log is full (1 MiB or 10,000 lines): later lines are dropped; stop sending." }),
});

export const RunLogLineSchema = Type.Object({
  seq: Type.Integer({ description: "The line's number in the run's log, from 1." }),
  at: IsoTime,
  stream: LogStreamSchema,
  message: Type.String(),
  attempt: Type.Union([Type.Integer(), Type.Null()], { description: 'The attempt that wrote the line.' }),
});

export const RunLogQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Lines with a seq greater than this (default 0: from the start).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  { additionalProperties: false },
);
export type RunLogQuery = Static<typeof RunLogQuery>;

export const RunLogPageSchema = Type.Object({
  lines: Type.Array(RunLogLineSchema),
  truncated: Type.Boolean({ description: 'The log reached its cap; the last line says so.' }),
  next_seq: Type.Integer({ description: 'Pass as `after` for the lines that follow (the last seq returned, or `after` when none).' }),
  last_seq: Type.Integer({ description: 'The highest seq stored so far (0: no log yet).' }),
  run_status: RunStatusSchema,
});

export const RunLogStreamQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Start after this seq (a `Last-Event-ID` header wins).' })),
  },
  { additionalProperties: false },
);
export type RunLogStreamQuery = Static<typeof RunLogStreamQuery>;
