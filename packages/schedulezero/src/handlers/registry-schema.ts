import { Type, type Static } from 'typebox';

/**
 * handler_registry.yaml: the handlers a server knows before any worker connects, their methods
 * with parameter schemas and default policies, and how to reach (http), start (command) or keep
 * running (governed worker) each of them. One schema validates the file and types it.
 */

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$', maxLength: 128 });
const Seconds = Type.Number({ exclusiveMinimum: 0 });
const Env = Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { description: 'Extra environment variables.' });
const Argv = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
  description: 'A program and its arguments as a list (run without a shell), or one string run by /bin/sh -c.',
});

export const MethodSpecSchema = Type.Object(
  {
    description: Type.Optional(Type.String()),
    params_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the params object.' })),
    timeout_seconds: Type.Optional(Type.Union([Seconds, Type.Null()], { description: 'Default timeout of runs of this method.' })),
    retry: Type.Optional(
      Type.Object(
        {
          max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          initial_delay_seconds: Type.Optional(Type.Number({ minimum: 0 })),
          backoff_factor: Type.Optional(Type.Number({ minimum: 1 })),
          max_delay_seconds: Type.Optional(Type.Number({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    command: Type.Optional(Argv),
  },
  { additionalProperties: false },
);
export type MethodSpec = Static<typeof MethodSpecSchema>;

export const GovernedProcessSchema = Type.Object(
  {
    command: Argv,
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    env: Type.Optional(Env),
    max_restarts: Type.Optional(Type.Integer({ minimum: 0, description: 'Crashes in a row before giving up (default 10).' })),
    backoff_initial_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'Wait before the first restart (default 1).' })),
    backoff_max_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'Longest wait between restarts (default 60).' })),
    stable_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'Up this long, a process counts as healthy again and the crash count resets (default 30).' })),
    stop_grace_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'SIGTERM, then SIGKILL after this long (default 10).' })),
    log_file: Type.Optional(Type.String({ minLength: 1, description: 'Where its output goes (default logs/<handler>.log).' })),
  },
  { additionalProperties: false },
);
export type GovernedProcess = Static<typeof GovernedProcessSchema>;

const common = {
  id: Id,
  description: Type.Optional(Type.String()),
  methods: Type.Record(Id, Type.Union([MethodSpecSchema, Type.Null()]), { description: 'Method name: its spec (or empty).' }),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Runs at once (http and command handlers; default 4).' })),
  docs_url: Type.Optional(Type.String({ minLength: 1 })),
};

export const HttpHandlerSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('http'),
    url: Type.String({ pattern: '^https?://', description: 'Where jobs are POSTed.' }),
    secret_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Environment variable holding the HMAC-SHA256 signing secret.' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    timeout_seconds: Type.Optional(Seconds),
  },
  { additionalProperties: false },
);

export const CommandHandlerSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('command'),
    command: Argv,
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    env: Type.Optional(Env),
    kill_grace_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'SIGTERM, then SIGKILL after this long (default 5).' })),
  },
  { additionalProperties: false },
);

export const WorkerHandlerSchema = Type.Object(
  {
    ...common,
    type: Type.Literal('worker'),
    run: Type.Optional(GovernedProcessSchema),
  },
  { additionalProperties: false },
);

export const HandlerRegistrySchema = Type.Object(
  {
    handlers: Type.Array(Type.Union([HttpHandlerSchema, CommandHandlerSchema, WorkerHandlerSchema])),
  },
  { additionalProperties: false, title: 'ScheduleZero handler_registry.yaml' },
);

export type HttpHandlerSpec = Static<typeof HttpHandlerSchema>;
export type CommandHandlerSpec = Static<typeof CommandHandlerSchema>;
export type WorkerHandlerSpec = Static<typeof WorkerHandlerSchema>;
export type HandlerSpec = HttpHandlerSpec | CommandHandlerSpec | WorkerHandlerSpec;
export type HandlerRegistryFile = Static<typeof HandlerRegistrySchema>;
