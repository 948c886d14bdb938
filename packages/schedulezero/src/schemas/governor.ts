import { Type } from 'typebox';
import { IsoTime, NullableIsoTime } from './common.js';

/** GET /api/v1/governor: the processes the server keeps running (registry workers with `run`). */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const GovernedProcess = Type.Object({
  handler: Type.String({ description: 'The handler id of the registry entry.' }),
  state: Type.Union(
    [Type.Literal('starting'), Type.Literal('running'), Type.Literal('backoff'), Type.Literal('stopping'), Type.Literal('stopped'), Type.Literal('failed')],
    { description: 'backoff: crashed, waiting to restart (see next_restart_at); failed: crashed max_restarts + 1 times in a row and given up.' },
  ),
  pid: Nullable(Type.Integer()),
  restarts: Type.Integer({ description: 'Restarts after a crash since the server started.' }),
  consecutive_crashes: Type.Integer({ description: 'Crashes in a row; reset once the process stays up for stable_seconds.' }),
  max_restarts: Type.Integer({ description: 'Restarts allowed in a row before giving up.' }),
  last_exit: Nullable(
    Type.Object({
      code: Nullable(Type.Integer()),
      signal: Nullable(Type.String()),
      at: IsoTime,
    }),
  ),
  last_error: Nullable(Type.String({ description: 'Why the last start failed (e.g. program not found).' })),
  started_at: NullableIsoTime,
  next_restart_at: NullableIsoTime,
  since: IsoTime,
  log_file: Type.String(),
  command: Type.Array(Type.String()),
});

export const GovernedProcessList = Type.Object({ items: Type.Array(GovernedProcess) });

export const GovernedProcessParams = Type.Object({ handler: Type.String({ minLength: 1, maxLength: 128 }) });
