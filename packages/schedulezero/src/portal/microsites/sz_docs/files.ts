import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.yaml': 'text/plain; charset=utf-8',
  '.yml': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.woff2': 'font/woff2',
  '.zip': 'application/zip',
};

/**
 * A file of a docs folder (an image, a PDF). It is served from the portal's origin, so it is
 * sandboxed: an SVG or HTML file opened directly cannot run scripts as the signed-in user.
 */
export async function sendDocFile(request: FastifyRequest, reply: FastifyReply, path: string): Promise<FastifyReply> {
  const info = await stat(path);
  const modified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
  reply
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox")
    .header('cache-control', 'no-cache')
    .header('last-modified', modified.toUTCString());
  const since = request.headers['if-modified-since'];
  if (since && !Number.isNaN(Date.parse(since)) && Date.parse(since) >= modified.getTime()) return reply.status(304).send();
  return reply
    .type(TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream')
    .header('content-length', info.size)
    .send(createReadStream(path));
}
