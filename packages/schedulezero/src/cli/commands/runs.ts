import type { Command } from 'commander';
import type { Run } from '../../schemas/run.js';
import { query } from '../client.js';
import type { CliContext } from '../context.js';
import { details, shortTime, table } from '../output.js';

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

interface Attempt {
  attempt: number;
  status: string;
  worker_id: string | null;
  started_at: string;
  duration_ms: number | null;
  error: { message: string } | null;
}

const enc = encodeURIComponent;

export function registerRunCommands(program: Command, ctx: () => CliContext): void {
  const runs = program.command('runs').description('inspect and cancel runs');

  runs
    .command('list')
    .description('list runs, newest first')
    .option('--schedule <id>', 'runs of one schedule')
    .option('--handler <handler>', 'runs of one handler')
    .option('--status <statuses>', 'comma-separated, e.g. failed,timed_out')
    .option('--since <time>', 'scheduled at or after (ISO-8601)')
    .option('--limit <n>', 'page size', '20')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (o: { schedule?: string; handler?: string; status?: string; since?: string; limit: string; cursor?: string }) => {
      const { client, out } = ctx();
      const page = await client.get<Page<Run>>(
        `/api/v1/runs${query({ schedule_id: o.schedule, handler: o.handler, status: o.status, since: o.since, limit: o.limit, cursor: o.cursor })}`,
      );
      out.data(page, () => {
        const text = table(
          ['RUN', 'SCHEDULE', 'JOB', 'STATUS', 'SCHEDULED', 'ATTEMPT', 'DURATION'],
          page.items.map((r) => [r.id, r.schedule_id, `${r.handler}.${r.method}`, r.status, shortTime(r.scheduled_at), r.attempt, r.duration_ms === null ? null : `${r.duration_ms} ms`]),
        );
        return page.next_cursor ? `${text}\n(more: --cursor ${page.next_cursor})` : text;
      });
    });

  runs
    .command('show <id>')
    .description('show a run and its attempts')
    .action(async (id: string) => {
      const { client, out } = ctx();
      const run = await client.get<Run & { attempts: Attempt[] }>(`/api/v1/runs/${enc(id)}`);
      out.data(run, () =>
        [
          details([
            ['id', run.id],
            ['schedule', run.schedule_id],
            ['job', `${run.handler}.${run.method}`],
            ['status', run.status],
            ['scheduled', shortTime(run.scheduled_at)],
            ['started', shortTime(run.started_at)],
            ['finished', shortTime(run.finished_at)],
            ['duration', run.duration_ms === null ? null : `${run.duration_ms} ms`],
            ['params', run.params],
            ['result', run.result],
            ['error', run.error?.message],
          ]),
          '',
          'Attempts:',
          run.attempts.length
            ? table(['#', 'STATUS', 'WORKER', 'STARTED', 'DURATION', 'ERROR'], run.attempts.map((a) => [a.attempt, a.status, a.worker_id, shortTime(a.started_at), a.duration_ms === null ? null : `${a.duration_ms} ms`, a.error?.message]))
            : '  (none yet)',
        ].join('\n'),
      );
    });

  runs
    .command('cancel <id>')
    .description('cancel a queued or running run')
    .action(async (id: string) => {
      const { client, out } = ctx();
      const run = await client.post<Run>(`/api/v1/runs/${enc(id)}/cancel`);
      out.data(run, () => `cancelled ${run.id}`);
    });
}
