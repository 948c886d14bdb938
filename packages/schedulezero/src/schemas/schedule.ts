import { Type, type Static } from 'typebox';
import { Cursor, Identifier, IsoTime, JsonObjectSchema, Limit, NullableIsoTime } from './common.js';
import { TriggerInput, TriggerOutput } from './trigger.js';

export const CatchUp = Type.Union([Type.Literal('skip'), Type.Literal('once'), Type.Literal('all')], {
  description: 'Occurrences missed while no scheduler ran: run none, one, or all (up to catch_up_limit).',
});

export const RetryInput = Type.Object(
  {
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Attempts in all; 1 = no retry.' })),
    initial_delay_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    backoff_factor: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    max_delay_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 604_800 })),
  },
  { additionalProperties: false },
);
export type RetryInput = Static<typeof RetryInput>;

export const RetryOutput = Type.Object({
  max_attempts: Type.Integer(),
  initial_delay_seconds: Type.Number(),
  backoff_factor: Type.Number(),
  max_delay_seconds: Type.Number(),
});

const ScheduleSettings = {
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  handler: Identifier,
  method: Identifier,
  params: Type.Optional(JsonObjectSchema),
  trigger: TriggerInput,
  misfire_grace_seconds: Type.Optional(
    Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: 'A run not started this many seconds after its due time is `missed`; null: run however late.',
    }),
  ),
  catch_up: Type.Optional(CatchUp),
  catch_up_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  max_instances: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: 'Most runs queued or running at once; more are `missed`.' }),
  ),
  max_jitter_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
  retry: Type.Optional(RetryInput),
  timeout_seconds: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 604_800 }), Type.Null()])),
  paused: Type.Optional(Type.Boolean()),
};

export const ScheduleCreate = Type.Object(
  { id: Type.Optional(Identifier), ...ScheduleSettings },
  { additionalProperties: false },
);
export type ScheduleCreate = Static<typeof ScheduleCreate>;

export const SchedulePatch = Type.Object(
  {
    ...ScheduleSettings,
    handler: Type.Optional(Identifier),
    method: Type.Optional(Identifier),
    trigger: Type.Optional(TriggerInput),
  },
  { additionalProperties: false },
);
export type SchedulePatch = Static<typeof SchedulePatch>;

export const Schedule = Type.Object(
  {
    id: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    handler: Type.String(),
    method: Type.String(),
    params: JsonObjectSchema,
    trigger: TriggerOutput,
    trigger_description: Type.String({ description: 'The trigger in words.' }),
    misfire_grace_seconds: Type.Union([Type.Number(), Type.Null()]),
    catch_up: CatchUp,
    catch_up_limit: Type.Integer(),
    max_instances: Type.Integer(),
    max_jitter_seconds: Type.Number(),
    retry: RetryOutput,
    timeout_seconds: Type.Union([Type.Number(), Type.Null()]),
    paused: Type.Boolean(),
    next_run_at: NullableIsoTime,
    last_run_at: NullableIsoTime,
    created_at: IsoTime,
    updated_at: IsoTime,
    version: Type.Integer(),
  }
);
export type Schedule = Static<typeof Schedule>;

export const ScheduleList = Type.Object({
  items: Type.Array(Schedule),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const ScheduleListQuery = Type.Object(
  {
    handler: Type.Optional(Type.String({ maxLength: 128 })),
    method: Type.Optional(Type.String({ maxLength: 128 })),
    paused: Type.Optional(Type.Boolean()),
    search: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ScheduleListQuery = Static<typeof ScheduleListQuery>;

export const UpcomingQuery = Type.Object(
  { count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5 })) },
  { additionalProperties: false },
);

export const Upcoming = Type.Object({
  schedule_id: Type.String(),
  trigger_description: Type.String(),
  times: Type.Array(IsoTime),
});
