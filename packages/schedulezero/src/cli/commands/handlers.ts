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
}
