import type { Command } from 'commander';
import type { Schedule } from '../../schemas/schedule.js';
import type { Run } from '../../schemas/run.js';
import { CliError, query } from '../client.js';
import { details, shortTime, table } from '../output.js';
import type { CliContext } from '../context.js';

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const UNITS: Record<string, string> = { w: 'weeks', d: 'days', h: 'hours', m: 'minutes', s: 'seconds' };

/** "90s", "5m", "1h30m", "1.5h", "2w" -> {hours: 1, minutes: 30} etc. */
export function parseEvery(text: string): Record<string, number> {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*([wdhms])/gi)];
  const joined = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || joined.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    throw new CliError(`--every "${text}": expected a duration such as 30s, 5m, 1h30m or 2d`, 2);
  }
  const out: Record<string, number> = {};
  for (const [, amount, unit] of parts) {
    const key = UNITS[unit!.toLowerCase()]!;
    out[key] = (out[key] ?? 0) + Number(amount);
  }
  return out;
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${flag}: not valid JSON (${(err as Error).message})`, 2);
  }
}

interface AddOptions {
  id?: string;
  name?: string;
  handler: string;
  method: string;
  params?: string;
  cron?: string;
  every?: string;
  at?: string;
  trigger?: string;
  timezone?: string;
  misfireGrace?: string;
  catchUp?: string;
  maxInstances?: string;
  jitter?: string;
  retries?: string;
  timeout?: string;
  paused?: boolean;
}

function num(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`${flag}: "${value}" is not a number`, 2);
  return n;
}

export function buildScheduleBody(o: AddOptions): Record<string, unknown> {
  const triggers = [o.cron, o.every, o.at, o.trigger].filter((t) => t !== undefined);
  if (triggers.length !== 1) throw new CliError('give exactly one of --cron, --every, --at or --trigger', 2);
  let trigger: Record<string, unknown>;
  if (o.cron !== undefined) trigger = { type: 'cron', expression: o.cron };
  else if (o.every !== undefined) trigger = { type: 'interval', ...parseEvery(o.every) };
  else if (o.at !== undefined) trigger = { type: 'date', run_date: /^\d+(\.\d+)?$/.test(o.at) ? Number(o.at) : o.at };
  else trigger = parseJson(o.trigger!, '--trigger') as Record<string, unknown>;
  if (o.timezone) trigger.timezone = o.timezone;

  const body: Record<string, unknown> = { handler: o.handler, method: o.method, trigger };
  if (o.id) body.id = o.id;
  if (o.name) body.name = o.name;
  if (o.params) body.params = parseJson(o.params, '--params');
  if (o.misfireGrace !== undefined) body.misfire_grace_seconds = num(o.misfireGrace, '--misfire-grace');
  if (o.catchUp) body.catch_up = o.catchUp;
  if (o.maxInstances !== undefined) body.max_instances = num(o.maxInstances, '--max-instances');
  if (o.jitter !== undefined) body.max_jitter_seconds = num(o.jitter, '--jitter');
  if (o.retries !== undefined) body.retry = { max_attempts: (num(o.retries, '--retries') ?? 0) + 1 };
  if (o.timeout !== undefined) body.timeout_seconds = num(o.timeout, '--timeout');
  if (o.paused) body.paused = true;
  return body;
}

function scheduleDetails(s: Schedule): string {
  return details([
    ['id', s.id],
    ['name', s.name],
    ['handler', `${s.handler}.${s.method}`],
    ['trigger', s.trigger_description],
    ['trigger spec', s.trigger],
    ['params', s.params],
    ['paused', s.paused],
    ['next run', shortTime(s.next_run_at)],
    ['last run', shortTime(s.last_run_at)],
    ['misfire grace', s.misfire_grace_seconds === null ? 'none (run however late)' : `${s.misfire_grace_seconds} s`],
    ['catch up', s.catch_up === 'all' ? `all (up to ${s.catch_up_limit})` : s.catch_up],
    ['max instances', s.max_instances],
    ['retry', `${s.retry.max_attempts} attempt(s), ${s.retry.initial_delay_seconds}s x${s.retry.backoff_factor} up to ${s.retry.max_delay_seconds}s`],
    ['timeout', s.timeout_seconds === null ? null : `${s.timeout_seconds} s`],
    ['created', shortTime(s.created_at)],
  ]);
}

const enc = encodeURIComponent;

export function registerScheduleCommands(program: Command, ctx: () => CliContext): void {
  const schedules = program.command('schedules').description('create, inspect and control schedules');

  schedules
    .command('list')
    .description('list schedules')
    .option('--handler <handler>', 'only this handler')
    .option('--search <text>', 'id or name contains')
    .option('--paused', 'only paused schedules')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (o: { handler?: string; search?: string; paused?: boolean; limit: string; cursor?: string }) => {
      const { client, out } = ctx();
      const page = await client.get<Page<Schedule>>(
        `/api/v1/schedules${query({ handler: o.handler, search: o.search, paused: o.paused, limit: o.limit, cursor: o.cursor })}`,
      );
      out.data(page, () => {
        const rows = page.items.map((s) => [s.id, s.name, `${s.handler}.${s.method}`, s.trigger_description, s.paused ? 'paused' : 'active', shortTime(s.next_run_at)]);
        const text = table(['ID', 'NAME', 'JOB', 'TRIGGER', 'STATE', 'NEXT RUN'], rows);
        return page.next_cursor ? `${text}\n(more: --cursor ${page.next_cursor})` : text;
      });
    });

  schedules
    .command('add')
    .description('create a schedule (one of --cron, --every, --at, --trigger)')
    .requiredOption('--handler <handler>', 'handler name')
    .requiredOption('--method <method>', 'method of the handler')
    .option('--id <id>', 'schedule id (default: generated)')
    .option('--name <name>', 'a readable name')
    .option('--params <json>', 'params as a JSON object')
    .option('--cron <expression>', 'crontab, 5 fields or 6 with seconds')
    .option('--every <duration>', 'interval such as 30s, 5m, 1h30m')
    .option('--at <time>', 'one run at an ISO-8601 time or epoch seconds')
    .option('--trigger <json>', 'the trigger as JSON')
    .option('--timezone <zone>', 'IANA time zone of the trigger')
    .option('--misfire-grace <seconds>', 'mark runs missed when they cannot start this late')
    .option('--catch-up <policy>', 'skip | once | all')
    .option('--max-instances <n>', 'overlap limit')
    .option('--jitter <seconds>', 'random delay up to this many seconds')
    .option('--retries <n>', 'retries after a failure (attempts = n + 1)')
    .option('--timeout <seconds>', 'fail an attempt after this long')
    .option('--paused', 'create paused')
    .action(async (o: AddOptions) => {
      const { client, out } = ctx();
      const created = await client.post<Schedule>('/api/v1/schedules', buildScheduleBody(o));
      out.data(created, () => `created schedule ${created.id}\n${scheduleDetails(created)}`);
    });

  schedules
    .command('show <id>')
    .description('show a schedule, its next fire times and recent runs')
    .action(async (id: string) => {
      const { client, out } = ctx();
      const schedule = await client.get<Schedule>(`/api/v1/schedules/${enc(id)}`);
      const upcoming = await client.get<{ times: string[] }>(`/api/v1/schedules/${enc(id)}/upcoming?count=5`);
      const runs = await client.get<Page<Run>>(`/api/v1/runs${query({ schedule_id: id, limit: 5 })}`);
      out.data({ ...schedule, upcoming: upcoming.times, recent_runs: runs.items }, () =>
        [
          scheduleDetails(schedule),
          '',
          'Next fire times:',
          ...(upcoming.times.length ? upcoming.times.map((t) => `  ${shortTime(t)}`) : ['  (none)']),
          '',
          'Recent runs:',
          runs.items.length
            ? table(['RUN', 'STATUS', 'SCHEDULED', 'ATTEMPT', 'DURATION'], runs.items.map((r) => [r.id, r.status, shortTime(r.scheduled_at), r.attempt, r.duration_ms === null ? null : `${r.duration_ms} ms`]))
            : '  (none)',
        ].join('\n'),
      );
    });

  for (const [name, verb, description] of [
    ['pause', 'paused', 'pause a schedule'],
    ['resume', 'resumed', 'resume a schedule'],
  ] as const) {
    schedules
      .command(`${name} <id>`)
      .description(description)
      .action(async (id: string) => {
        const { client, out } = ctx();
        const s = await client.post<Schedule>(`/api/v1/schedules/${enc(id)}/${name}`);
        out.data(s, () => `${verb} ${s.id}; next run: ${shortTime(s.next_run_at) ?? '-'}`);
      });
  }

  schedules
    .command('run <id>')
    .description("run a schedule's job now")
    .action(async (id: string) => {
      const { client, out } = ctx();
      const run = await client.post<Run>(`/api/v1/schedules/${enc(id)}/run`);
      out.data(run, () => `queued run ${run.id}`);
    });

  schedules
    .command('rm <id>')
    .alias('delete')
    .description('delete a schedule (its run history stays)')
    .action(async (id: string) => {
      const { client, out } = ctx();
      await client.delete(`/api/v1/schedules/${enc(id)}`);
      out.data({ deleted: id }, () => `deleted ${id}`);
    });
}
