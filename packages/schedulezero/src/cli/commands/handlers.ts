import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { shortTime, table } from '../output.js';

interface HandlerItem {
  handler: string;
  status: string;
  methods: string[];
  running: number;
  last_seen_at: string | null;
  workers: { id: string; status: string }[];
}

interface HandlerDetailItem {
  handler: string;
  type: string;
  description: string | null;
  status: string;
  health: string;
  running: number;
  last_seen_at: string | null;
  workers: { id: string; name: string | null; status: string; concurrency: number; running: number; last_seen_at: string }[];
  methods: {
    name: string;
    description: string | null;
    params_schema: Record<string, unknown> | null;
    source: string;
    online_workers: number;
    stats: { runs: number; success_rate: number | null; duration_ms_p50: number | null; duration_ms_p95: number | null };
  }[];
  governor: { state: string; pid: number | null; restarts: number } | null;
}

const pct = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 1000) / 10}%`);
const ms = (value: number | null) => (value === null ? '-' : value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`);

export function registerHandlerCommands(program: Command, ctx: () => CliContext): void {
  const handlers = program.command('handlers').description('handlers and their workers');
  handlers
    .command('list')
    .description('list handlers with their methods and workers')
    .action(async () => {
      const { client, out } = ctx();
      const list = await client.get<{ items: HandlerItem[] }>('/api/v1/handlers');
      out.data(list, () =>
        list.items.length === 0
          ? 'no handlers yet: start a worker (see README, "Start a handler")'
          : table(
              ['HANDLER', 'STATUS', 'WORKERS', 'RUNNING', 'LAST SEEN', 'METHODS'],
              list.items.map((h) => [
                h.handler,
                h.status,
                `${h.workers.filter((w) => w.status === 'online').length}/${h.workers.length}`,
                h.running,
                shortTime(h.last_seen_at),
                h.methods.join(', '),
              ]),
            ),
      );
    });

  handlers
    .command('show')
    .argument('<handler>', 'handler name')
    .description('a handler: type, health, workers, methods with their 24 h success rate and durations')
    .action(async (name: string) => {
      const { client, out } = ctx();
      const h = await client.get<HandlerDetailItem>(`/api/v1/handlers/${encodeURIComponent(name)}`);
      out.data(h, () => {
        const lines = [
          `${h.handler}  ${h.type}  ${h.status}  health: ${h.health}  running: ${h.running}  last seen: ${shortTime(h.last_seen_at)}`,
        ];
        if (h.description) lines.push(h.description);
        if (h.governor) lines.push(`governor: ${h.governor.state}, pid ${h.governor.pid ?? '-'}, ${h.governor.restarts} restarts`);
        lines.push(
          '',
          table(
            ['METHOD', 'RUNS 24H', 'SUCCESS', 'P50', 'P95', 'WORKERS', 'SCHEMA', 'FROM'],
            h.methods.map((m) => [m.name, m.stats.runs, pct(m.stats.success_rate), ms(m.stats.duration_ms_p50), ms(m.stats.duration_ms_p95), m.online_workers, m.params_schema ? 'yes' : 'no', m.source]),
          ),
        );
        if (h.workers.length > 0) {
          lines.push('', table(['WORKER', 'NAME', 'STATUS', 'RUNNING', 'LAST SEEN'], h.workers.map((w) => [w.id, w.name, w.status, `${w.running}/${w.concurrency}`, shortTime(w.last_seen_at)])));
        }
        return lines.join('\n');
      });
    });
}
