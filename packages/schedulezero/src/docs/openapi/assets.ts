import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const gzipAsync = promisify(gzip);

interface Asset {
  body: Buffer;
  type: string;
}

/**
 * Bodies compressed on first request and kept, shared by every site of the process (the
 * Swagger UI bundle is 1.7 MB, about a third of that gzipped).
 */
const gzipped = new WeakMap<Buffer, Promise<Buffer>>();

function gzipOnce(body: Buffer): Promise<Buffer> {
  let zipped = gzipped.get(body);
  if (zipped === undefined) {
    zipped = gzipAsync(body);
    // A failure is not kept: the next request tries again.
    zipped.catch(() => gzipped.delete(body));
    gzipped.set(body, zipped);
  }
  return zipped;
}

/** The files a page links to, by role. Values are hashed file names under `_assets/`. */
export interface AssetNames {
  css: string;
  bundle: string;
  init: string;
  site: string;
  favicon: string;
}

export interface SiteAssets {
  names: AssetNames;
  /** Serve `_assets/:file`: only the names above exist, anything else is a 404. */
  serve(request: FastifyRequest, reply: FastifyReply, file: string): Promise<FastifyReply>;
}

export const DEFAULT_BRAND = '#4f46e5';
const BRAND = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** #rgb or #rrggbb: the only values that go into the stylesheet (anything else could break out of it). */
export function isBrandColor(value: string): boolean {
  return BRAND.test(value);
}

/** Black or white, whichever reads better on the brand colour (a pale brand would hide white text). */
export function textOn(brandColor: string): string {
  let hex = brandColor.slice(1);
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  const [r = 0, g = 0, b = 0] = [0, 2, 4].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  // WCAG relative luminance; 0.179 is where black and white have equal contrast.
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#000' : '#fff';
}

const hashes = new WeakMap<Buffer, string>();

/** "swagger-ui.css" + body -> "swagger-ui.1a2b3c4d5e6f.css": a new name whenever the content changes. */
function hashedName(name: string, body: Buffer): string {
  let hash = hashes.get(body);
  if (hash === undefined) {
    hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    hashes.set(body, hash);
  }
  const dot = name.lastIndexOf('.');
  return `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
}

interface VendorFiles {
  css: Buffer;
  bundle: Buffer;
  favicon: Buffer;
  init: Buffer;
  siteCss: string;
}

let vendor: VendorFiles | null = null;

/**
 * Swagger UI's few files from node_modules/swagger-ui-dist (no CDN), and this site's own, read
 * once per process. Only the bundle, its stylesheet and a favicon are taken: the rest of the
 * package (its index.html, the petstore initializer, source maps) is never served.
 */
function vendorFiles(): VendorFiles {
  if (vendor) return vendor;
  const require = createRequire(import.meta.url);
  const dist = (name: string) => readFileSync(require.resolve(`swagger-ui-dist/${name}`));
  const own = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));
  // The stylesheet names a source map that is not served; without the comment, devtools do not ask for it.
  const css = Buffer.from(dist('swagger-ui.css').toString('utf8').replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, ''));
  vendor = { css, bundle: dist('swagger-ui-bundle.js'), favicon: dist('favicon-32x32.png'), init: own('init.js'), siteCss: own('site.css').toString('utf8') };
  return vendor;
}

/**
 * The assets of one site. The site stylesheet carries the brand colour as a CSS variable; it is
 * a file rather than an inline <style> so that the page works under a CSP without 'unsafe-inline'.
 */
export function siteAssets(brandColor: string): SiteAssets {
  if (!isBrandColor(brandColor)) throw new TypeError(`brand colour must be #rgb or #rrggbb, got ${JSON.stringify(brandColor)}`);
  const files = vendorFiles();
  const byName = new Map<string, Asset>();
  const add = (name: string, body: Buffer, type: string): string => {
    const hashed = hashedName(name, body);
    byName.set(hashed, { body, type });
    return hashed;
  };
  const site = Buffer.from(`:root{--oas-brand:${brandColor.toLowerCase()};--oas-brand-text:${textOn(brandColor)}}\n${files.siteCss}`);
  const names: AssetNames = {
    css: add('swagger-ui.css', files.css, 'text/css; charset=utf-8'),
    bundle: add('swagger-ui-bundle.js', files.bundle, 'text/javascript; charset=utf-8'),
    init: add('init.js', files.init, 'text/javascript; charset=utf-8'),
    site: add('site.css', site, 'text/css; charset=utf-8'),
    favicon: add('favicon.png', files.favicon, 'image/png'),
  };

  return {
    names,
    async serve(request, reply, file) {
      // An exact lookup of a name this site made: "..", "%2e%2e", "/" and NUL never match one.
      const asset = byName.get(file);
      if (!asset) {
        reply.callNotFound();
        return reply;
      }
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('vary', 'accept-encoding');
      reply.type(asset.type);
      if (asset.type !== 'image/png' && acceptsGzip(request)) {
        const body = await gzipOnce(asset.body);
        reply.header('content-encoding', 'gzip');
        return reply.send(body);
      }
      return reply.send(asset.body);
    },
  };
}

/** accept-encoding lists gzip (or *) without q=0. */
function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((entry) => {
    const [coding = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
