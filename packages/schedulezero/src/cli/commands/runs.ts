import type { Command } from 'commander';
import type { Run } from '../../schemas/run.js';
import { CliError, query } from '../client.js';
import type { CliContext } from '../context.js';
import { readEvents } from '../event-stream.js';
import { details, shortTime, table, type Printer } from '../output.js';

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

interface LogLine {
  seq: number;
  at: string;
  stream: string;
  message: string;
  attempt: number | null;
}

interface LogPage {
  lines: LogLine[];
  truncated: boolean;
  next_seq: number;
  last_seq: number;
  run_status: string;
}

const enc = encodeURIComponent;
/** The API's largest page of log lines: a capped log (10,000 lines) is one request. */
const LOG_PAGE = 10_000;
/** --follow reconnects after a dropped stream this many times in a row before it gives up. */
const FOLLOW_RETRIES = 5;

/**
 * Control characters of a log line are shown escaped: a line is the handler's text, and escape
 * sequences in it must not drive the reader's terminal. Tabs and line breaks stay.
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** "2026-11-27 10:00:00.123Z  stderr  message" */
function logLineText(line: LogLine): string {
  return `${line.at.replace('T', ' ')}  ${line.stream.padEnd(6)}  ${printable(line.message)}`;
}

function printLines(out: Printer, lines: LogLine[]): void {
  for (const line of lines) out.print(out.json ? JSON.stringify(line) : logLineText(line));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follow a run's log over the server-sent event stream, printing lines as they come, until the
 * stream's `end` event: resolves to the run's final status. A dropped stream is resumed after the
 * last line printed.
 */
async function followLogs(server: string, token: string | undefined, id: string, out: Printer): Promise<string> {
  const url = `${server.replace(/\/+$/, '')}/api/v1/runs/${enc(id)}/logs/stream`;
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  let after = 0;
  let failures = 0;
  let cause = '';
  for (;;) {
    if (failures > 0) {
      if (failures > FOLLOW_RETRIES) throw new CliError(`lost the log stream of run ${id} (${cause}); is the server running?`);
      await sleep(Math.min(5000, 250 * 2 ** failures));
    }
    let response: Response;
    try {
      response = await fetch(`${url}?after=${after}`, { headers });
    } catch (err) {
      cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      failures++;
      continue;
    }
    if (!response.ok || !response.body) {
      const text = await response.text();
      let error: { code?: string; message?: string } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        error = undefined;
      }
      throw new CliError(`error ${response.status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? (text || response.statusText)}`);
    }
    try {
      for await (const event of readEvents(response.body)) {
        failures = 0;
        if (event.event === 'logs') {
          const { lines } = JSON.parse(event.data) as { lines: LogLine[] };
          printLines(out, lines);
          after = lines.at(-1)?.seq ?? after;
        } else if (event.event === 'end') {
          return (JSON.parse(event.data) as { status: string }).status;
        }
      }
      cause = 'the server closed it';
    } catch (err) {
      cause = (err as Error).message;
    }
    failures++;
  }
}

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
    .command('logs <id>')
    .description("print a run's log (time, stream, message); --follow streams it until the run ends")
    .option('-f, --follow', 'keep printing new lines until the run ends; exit 0 if it succeeded, 1 otherwise')
    .addHelpText('after', '\nWith --json: the API\'s page as JSON; with --json --follow: one JSON object per line.')
    .action(async (id: string, o: { follow?: boolean }, command: Command) => {
      const { client, out } = ctx();
      if (o.follow) {
        const g = command.optsWithGlobals<{ server: string; token?: string }>();
        const status = await followLogs(g.server, g.token ?? process.env.SCHEDULEZERO_TOKEN, id, out);
        if (status !== 'succeeded') throw new CliError(`run ${id} ended ${status}`, 1);
        return;
      }
      const lines: LogLine[] = [];
      let page: LogPage;
      let after = 0;
      do {
        page = await client.get<LogPage>(`/api/v1/runs/${enc(id)}/logs${query({ after, limit: LOG_PAGE })}`);
        lines.push(...page.lines);
        after = page.next_seq;
      } while (page.lines.length === LOG_PAGE);
      out.data({ ...page, lines, next_seq: after }, () => (lines.length === 0 ? '(no log lines)' : lines.map(logLineText).join('\n')));
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
