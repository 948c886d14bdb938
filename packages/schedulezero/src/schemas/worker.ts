import { Type, type Static } from 'typebox';
import { Identifier, IsoTime, JsonAny, JsonObjectSchema, NullableIsoTime } from './common.js';
import { RunErrorSchema } from './run.js';

/** The handler protocol: workers connect out to the server and pull jobs. See docs/protocol.md. */

export const WorkerRegister = Type.Object(
  {
    handler: Identifier,
    methods: Type.Array(Identifier, { minItems: 1, maxItems: 500, uniqueItems: true }),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    version: Type.Optional(Type.String({ maxLength: 100 })),
    method_info: Type.Optional(
      Type.Record(
        Identifier,
        Type.Object(
          {
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            params_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the params object; runs and schedules whose params break it are refused.' })),
          },
          { additionalProperties: false },
        ),
        { description: 'Per method: a description and the JSON Schema of its params.' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type WorkerRegister = Static<typeof WorkerRegister>;

export const WorkerRegistered = Type.Object({
  worker_id: Type.String(),
  heartbeat_seconds: Type.Number({ description: 'Poll or heartbeat at least this often.' }),
  lease_seconds: Type.Number({ description: 'Unseen this long, the worker is lost and its runs retried elsewhere.' }),
});

export const WorkerParams = Type.Object({ worker_id: Type.String({ minLength: 1, maxLength: 128 }) });
export type WorkerParams = Static<typeof WorkerParams>;

export const Poll = Type.Object(
  {
    max_jobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 })),
    wait_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 60, default: 30 })),
  },
  { additionalProperties: false },
);
export type Poll = Static<typeof Poll>;

export const Job = Type.Object({
  run_id: Type.String(),
  schedule_id: Type.Union([Type.String(), Type.Null()]),
  method: Type.String(),
  params: JsonObjectSchema,
  attempt: Type.Integer({ description: '1 for the first attempt.' }),
  scheduled_at: IsoTime,
  deadline: NullableIsoTime,
});

export const PollResponse = Type.Object({ jobs: Type.Array(Job) });

export const RunParams = Type.Object({ run_id: Type.String({ minLength: 1, maxLength: 128 }) });
export type RunParams = Static<typeof RunParams>;

export const Heartbeat = Type.Object(
  {
    worker_id: Type.String({ minLength: 1, maxLength: 128 }),
    attempt: Type.Optional(Type.Integer({ minimum: 1, description: 'The attempt the worker runs (from the job); guards against reporting on a later attempt.' })),
    progress: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Percent done.' })),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

export const HeartbeatResponse = Type.Object({
  cancel_requested: Type.Boolean({ description: 'true: stop the job; its result will not be accepted.' }),
});

export const Complete = Type.Object(
  {
    worker_id: Type.String({ minLength: 1, maxLength: 128 }),
    attempt: Type.Optional(Type.Integer({ minimum: 1, description: 'The attempt being reported (from the job).' })),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    result: Type.Optional(JsonAny),
    error: Type.Optional(RunErrorSchema),
  },
  { additionalProperties: false },
);
export type Complete = Static<typeof Complete>;

export const CompleteResponse = Type.Object({
  run_id: Type.String(),
  status: Type.String({ description: 'The run status now: the final one, or `queued` when a retry follows.' }),
  attempt: Type.Integer(),
  retry_at: NullableIsoTime,
});

export const CompleteItem = Type.Object(
  {
    run_id: Type.String({ minLength: 1, maxLength: 128 }),
    attempt: Type.Optional(Type.Integer({ minimum: 1 })),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    result: Type.Optional(JsonAny),
    error: Type.Optional(RunErrorSchema),
  },
  { additionalProperties: false },
);

export const CompleteBatch = Type.Object(
  { completions: Type.Array(CompleteItem, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type CompleteBatch = Static<typeof CompleteBatch>;

export const CompleteBatchResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      run_id: Type.String(),
      status: Type.Optional(Type.String({ description: 'The run status now (when accepted).' })),
      attempt: Type.Optional(Type.Integer()),
      retry_at: Type.Optional(NullableIsoTime),
      error: Type.Optional(
        Type.Object({
          status: Type.Integer({ description: 'The HTTP status the single-run endpoint would have answered (404, 409).' }),
          code: Type.String(),
          message: Type.String(),
        }),
      ),
    }),
    { description: 'One entry per completion, in the order sent.' },
  ),
});

export const WorkerInfo = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('remote'), Type.Literal('local')]),
  handler: Type.String(),
  methods: Type.Array(Type.String()),
  concurrency: Type.Integer(),
  name: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('online'), Type.Literal('left'), Type.Literal('lost')]),
  running: Type.Integer(),
  registered_at: IsoTime,
  last_seen_at: IsoTime,
});

export const HandlerSummary = Type.Object({
  handler: Type.String(),
  status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  methods: Type.Array(Type.String()),
  running: Type.Integer(),
  last_seen_at: NullableIsoTime,
  workers: Type.Array(WorkerInfo),
});

export const HandlerList = Type.Object({ items: Type.Array(HandlerSummary) });
