import { watch, type FSWatcher } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';
import { buildSite, type BuildReport } from '../build/builder.js';
import { DocSite } from '../site.js';
import { sendNotFound, serveBuilt } from './static.js';

export interface DevServerOptions {
  /** A folder holding mkdocs.yml, or the file. */
  source: string;
  host: string;
  port: number;
  /** Milliseconds of quiet after a change before building again (editors write in bursts). */
  debounceMs?: number;
  onBuild?: (report: BuildReport | null, error: unknown) => void;
}

export interface DevServer {
  url: string;
  /** Resolves after the next build (for tests). */
  nextBuild(): Promise<void>;
  close(): Promise<void>;
}

/** The URL path of the live-reload events: under _sz/, which no page of a site can take. */
const EVENTS = '/_sz/live';

/**
 * `schedulezero docs serve`: build a site, serve it at /, and build it again whenever a file of it
 * changes; open pages reload themselves over server-sent events. A failed build (a broken
 * mkdocs.yml mid-edit) is reported and the last good build stays up.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const work = await mkdtemp(join(tmpdir(), 'sz-docs-serve-'));
  const clients = new Set<FastifyReply>();
  let generation = 0;
  let dir: string | null = null;
  let site: DocSite | null = null;
  let watchers: FSWatcher[] = [];
  let waiting: (() => void)[] = [];

  const build = async () => {
    try {
      const next = await DocSite.load(options.source, { baseUrl: '/' });
      const out = join(work, String(++generation));
      const report = await buildSite(next, { outDir: out, theme: { liveReload: EVENTS } });
      const old = dir;
      dir = out;
      site = next;
      if (old) await rm(old, { recursive: true, force: true });
      rewatch(next);
      options.onBuild?.(report, null);
      for (const client of clients) client.raw.write('event: reload\ndata: {}\n\n');
    } catch (err) {
      options.onBuild?.(null, err);
    }
    const done = waiting;
    waiting = [];
    for (const resolve of done) resolve();
  };

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      running = running.then(build);
    }, options.debounceMs ?? 100);
  };

  /** Watch every folder and config file the site was read from (they change as the site does). */
  const rewatch = (current: DocSite) => {
    for (const w of watchers) w.close();
    watchers = [];
    const { configs, folders } = current.inputs;
    const add = (target: string, recursive: boolean, only?: Set<string>) => {
      try {
        watchers.push(watch(target, { recursive }, (_event, name) => (!only || (name !== null && only.has(String(name))) ? schedule() : undefined)));
      } catch {
        // A folder removed meanwhile: the next build reports it.
      }
    };
    for (const root of new Set(folders.map((f) => f.root))) add(root, true);
    // Config files by their folder (editors save by renaming, which a watch of the file loses),
    // not recursively: mkdocs.yml often sits at the top of a whole project.
    const byFolder = new Map<string, Set<string>>();
    for (const file of configs) byFolder.set(dirname(file), (byFolder.get(dirname(file)) ?? new Set()).add(basename(file)));
    for (const [folder, names] of byFolder) add(folder, false, names);
  };

  await build();
  const app = Fastify({ logger: false });
  app.get(EVENTS, (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    reply.raw.write(': connected\n\n');
    clients.add(reply);
    request.raw.on('close', () => clients.delete(reply));
  });
  app.get('/*', async (request, reply) => {
    if (dir === null || site === null) return reply.status(503).type('text/plain').send('The site could not be built; see the terminal.');
    const path = (request.params as { '*': string })['*'];
    const result = await serveBuilt(request, reply, dir, path);
    if (result.kind === 'sent') return result.reply;
    if (result.kind === 'redirect') return reply.redirect(`/${path}/`, 301);
    return (await sendNotFound(request, reply, dir)) ?? reply.status(404).type('text/plain').send('Not found');
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    nextBuild: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const client of clients) client.raw.end();
      await app.close();
      await running;
      await rm(work, { recursive: true, force: true });
    },
  };
}
