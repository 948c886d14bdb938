import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HASHED_ASSET } from '../theme/assets.js';
import { resolveInside } from '../folder.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.yml': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.woff2': 'font/woff2',
  '.zip': 'application/zip',
};

/**
 * Built pages: scripts only from the site itself (the theme's search), styles inline for the
 * brand colour, images and styles from anywhere a page links them.
 */
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:; font-src 'self' https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

/**
 * Files of the docs folders are served from the portal's origin, so they are sandboxed: an SVG or
 * HTML file opened directly cannot run scripts as the signed-in user.
 */
const FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

export type StaticResult = { kind: 'sent'; reply: FastifyReply } | { kind: 'redirect'; location: string } | { kind: 'missing' };

/**
 * Serve a path of a built site (`subpath` is percent-decoded, relative to the site's URL). Pages
 * (index.html) and files are `no-cache` with validators, the theme's hashed files are cached for a
 * year. "..", encoded traversal, hidden files and symbolic links out of the folder are refused by
 * resolveInside; the caller answers 404 for { kind: 'missing' }.
 */
export async function serveBuilt(request: FastifyRequest, reply: FastifyReply, dir: string, subpath: string): Promise<StaticResult> {
  const wanted = subpath === '' || subpath.endsWith('/') ? `${subpath}index.html` : subpath;
  const file = await resolveInside(dir, wanted);
  if (file === null) {
    // A folder URL without its slash, as MkDocs' servers answer it.
    if (!subpath.endsWith('/') && subpath !== '' && (await resolveInside(dir, `${subpath}/index.html`)) !== null) {
      return { kind: 'redirect', location: `${subpath.split('/').pop()}/` };
    }
    return { kind: 'missing' };
  }
  return { kind: 'sent', reply: await sendFile(request, reply, file, HASHED_ASSET.test(wanted) ? 'immutable' : extname(file) === '.html' ? 'page' : 'file') };
}

/** The site's 404.html with status 404, or null when the build has none. */
export async function sendNotFound(request: FastifyRequest, reply: FastifyReply, dir: string): Promise<FastifyReply | null> {
  const file = await resolveInside(dir, '404.html');
  if (file === null) return null;
  reply.status(404);
  return sendFile(request, reply, file, 'page');
}

async function sendFile(request: FastifyRequest, reply: FastifyReply, path: string, kind: 'page' | 'file' | 'immutable'): Promise<FastifyReply> {
  const info = await stat(path);
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  reply.header('x-content-type-options', 'nosniff').header('etag', etag);
  if (kind === 'immutable') reply.header('cache-control', 'public, max-age=31536000, immutable');
  else reply.header('cache-control', 'no-cache');
  reply.header('content-security-policy', kind === 'file' ? FILE_CSP : PAGE_CSP);
  if (reply.statusCode === 200 && request.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply
    .type(TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
    .header('content-length', info.size)
    .send(createReadStream(path));
}
