import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
};

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

/**
 * The shell's own files (stylesheet, script, htmx and its SSE extension from node_modules, the
 * branding images), held in memory and served locally: no CDN. URLs carry a content hash, so
 * they are cached for a year and change when the file does.
 */
export class ShellAssets {
  private readonly files = new Map<string, Asset>();

  constructor(readonly prefix = '/_sz/static') {
    const require = createRequire(import.meta.url);
    const own = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
    this.add('portal.css', own('portal.css'));
    this.add('portal.js', own('portal.js'));
    this.add('favicon.svg', own('favicon.svg'));
    // htmx 2.x is pinned in package.json (htmx 4 changes the attribute and event model).
    this.add('htmx.min.js', require.resolve('htmx.org/dist/htmx.min.js'));
    this.add('htmx-ext-sse.js', require.resolve('htmx-ext-sse/dist/sse.min.js'));
  }

  add(name: string, path: string): void {
    const body = readFileSync(path);
    this.files.set(name, { body, type: contentType(path), hash: createHash('sha256').update(body).digest('hex').slice(0, 12) });
  }

  url(name: string): string {
    const asset = this.files.get(name);
    if (!asset) throw new Error(`no shell asset "${name}"`);
    return `${this.prefix}/${name}?v=${asset.hash}`;
  }

  register(app: FastifyInstance): void {
    app.get<{ Params: { name: string }; Querystring: { v?: string } }>(`${this.prefix}/:name`, { schema: { hide: true } }, async (request, reply) => {
      const asset = this.files.get(request.params.name);
      if (!asset) return reply.callNotFound();
      const versioned = request.query.v === asset.hash;
      reply.header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('etag', `"${asset.hash}"`);
      reply.header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === `"${asset.hash}"`) return reply.status(304).send();
      return reply.type(asset.type).send(asset.body);
    });
  }
}
