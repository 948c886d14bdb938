import type { OpenApiDocument } from './source.js';

/**
 * An OpenAPI document (3.x, or Swagger 2.0) reduced to what the reference page shows. The
 * document may come from any file, so nothing in it is trusted to have the right shape: every
 * field is checked, and anything odd is left out rather than failing the page.
 */

export interface ApiModel {
  title: string;
  version: string | null;
  description: string | null;
  specVersion: string;
  servers: { url: string; description: string | null }[];
  securitySchemes: { name: string; text: string }[];
  license: Link | null;
  contact: Link | null;
  groups: TagGroup[];
  schemas: NamedSchema[];
  operationCount: number;
}

export interface Link {
  name: string;
  url: string | null;
}

export interface TagGroup {
  name: string;
  id: string;
  description: string | null;
  operations: Operation[];
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  summary: string | null;
  description: string | null;
  operationId: string | null;
  deprecated: boolean;
  parameters: Parameter[];
  body: RequestBody | null;
  responses: ResponseItem[];
  /** Security schemes any one of which is accepted; empty with optional false: no authentication. */
  auth: { schemes: string[]; optional: boolean };
}

export interface Parameter {
  name: string;
  in: string;
  required: boolean;
  deprecated: boolean;
  description: string | null;
  schema: unknown;
}

export interface Content {
  mediaType: string;
  schema: unknown;
}

export interface RequestBody {
  required: boolean;
  description: string | null;
  contents: Content[];
}

export interface ResponseItem {
  code: string;
  description: string | null;
  contents: Content[];
}

export interface NamedSchema {
  name: string;
  id: string;
  schema: unknown;
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** An id for an anchor: letters, digits and dashes. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** Follows local references ("#/components/schemas/Run") inside one document. */
export class Resolver {
  constructor(private readonly doc: OpenApiDocument) {}

  /** The target of a local $ref, or null (remote, missing, or a reference loop). */
  target(ref: string): unknown {
    if (!ref.startsWith('#/')) return null;
    let node: unknown = this.doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      const o = obj(node);
      if (o === null || !(key in o)) return null;
      node = o[key];
    }
    return node;
  }

  /** The value itself, or what its $ref points to (a few hops at most). */
  deref(value: unknown): unknown {
    let node = value;
    for (let hops = 0; hops < 10; hops++) {
      const ref = str(obj(node)?.$ref);
      if (ref === null) return node;
      const next = this.target(ref);
      if (next === null) return node;
      node = next;
    }
    return node;
  }
}

/** `include`: which paths to show (the server's own document also lists the portal's pages). */
export function buildModel(doc: OpenApiDocument, include: (path: string) => boolean = () => true): ApiModel {
  const r = new Resolver(doc);
  const swagger2 = typeof doc.swagger === 'string';
  const info = obj(doc.info) ?? {};
  const ids = new Set<string>();
  const uniqueId = (base: string) => {
    let id = base;
    for (let i = 2; ids.has(id); i++) id = `${base}-${i}`;
    ids.add(id);
    return id;
  };

  const tagInfo = new Map<string, string | null>();
  for (const t of list(doc.tags)) {
    const name = str(obj(t)?.name);
    if (name !== null) tagInfo.set(name, str(obj(t)?.description));
  }
  const groups = new Map<string, Operation[]>([...tagInfo.keys()].map((name) => [name, []]));
  const docSecurity = doc.security;
  let operationCount = 0;

  for (const [path, rawItem] of Object.entries(obj(doc.paths) ?? {})) {
    if (!include(path)) continue;
    const item = obj(r.deref(rawItem));
    if (item === null) continue;
    const shared = list(item.parameters);
    for (const method of METHODS) {
      const op = obj(item[method]);
      if (op === null) continue;
      operationCount++;
      const operationId = str(op.operationId);
      const operation: Operation = {
        id: uniqueId(`op-${slug(operationId ?? `${method}-${path}`)}`),
        method,
        path,
        summary: str(op.summary),
        description: str(op.description),
        operationId,
        deprecated: op.deprecated === true,
        parameters: parameters(r, shared, list(op.parameters)),
        body: swagger2 ? swaggerBody(r, doc, op, shared) : requestBody(r, op.requestBody),
        responses: responses(r, doc, op, swagger2),
        auth: auth(op.security !== undefined ? op.security : docSecurity),
      };
      const tags = list(op.tags).filter((t): t is string => typeof t === 'string' && t !== '');
      for (const tag of tags.length > 0 ? tags : ['Other']) {
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag)!.push(operation);
      }
    }
  }

  const components = swagger2 ? obj(doc.definitions) : obj(obj(doc.components)?.schemas);
  const schemas = Object.entries(components ?? {}).map(([name, schema]) => ({ name, id: uniqueId(`schema-${slug(name)}`), schema }));

  return {
    title: str(info.title) ?? 'API reference',
    version: str(info.version),
    description: str(info.description),
    specVersion: swagger2 ? `Swagger ${String(doc.swagger)}` : `OpenAPI ${String(doc.openapi)}`,
    servers: swagger2 ? swaggerServers(doc) : servers(doc.servers),
    securitySchemes: securitySchemes(swagger2 ? obj(doc.securityDefinitions) : obj(obj(doc.components)?.securitySchemes)),
    license: link(info.license),
    contact: link(info.contact),
    groups: [...groups.entries()]
      .filter(([, ops]) => ops.length > 0)
      .map(([name, operations]) => ({ name, id: uniqueId(`tag-${slug(name)}`), description: tagInfo.get(name) ?? null, operations })),
    schemas,
    operationCount,
  };
}

function parameters(r: Resolver, shared: unknown[], own: unknown[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  // Operation parameters override path-level ones with the same name and location.
  for (const raw of [...shared, ...own]) {
    const p = obj(r.deref(raw));
    const name = str(p?.name);
    const where = str(p?.in);
    if (p === null || name === null || where === null || where === 'body') continue;
    byKey.set(`${where}:${name}`, {
      name,
      in: where,
      required: p.required === true || where === 'path',
      deprecated: p.deprecated === true,
      description: str(p.description),
      // Swagger 2.0 puts type, format, enum... on the parameter itself.
      schema: p.schema !== undefined ? p.schema : p,
    });
  }
  return [...byKey.values()];
}

function contents(r: Resolver, value: unknown): Content[] {
  return Object.entries(obj(value) ?? {}).map(([mediaType, media]) => ({ mediaType, schema: obj(r.deref(media))?.schema ?? null }));
}

function requestBody(r: Resolver, value: unknown): RequestBody | null {
  const body = obj(r.deref(value));
  if (body === null) return null;
  return { required: body.required === true, description: str(body.description), contents: contents(r, body.content) };
}

function swaggerBody(r: Resolver, doc: OpenApiDocument, op: Json, shared: unknown[]): RequestBody | null {
  const param = [...shared, ...list(op.parameters)].map((p) => obj(r.deref(p))).find((p) => p?.in === 'body');
  if (!param) return null;
  const consumes = list(op.consumes ?? doc.consumes).filter((c): c is string => typeof c === 'string');
  return { required: param.required === true, description: str(param.description), contents: [{ mediaType: consumes[0] ?? 'application/json', schema: param.schema ?? null }] };
}

function responses(r: Resolver, doc: OpenApiDocument, op: Json, swagger2: boolean): ResponseItem[] {
  const produces = list(op.produces ?? doc.produces).filter((c): c is string => typeof c === 'string');
  return Object.entries(obj(op.responses) ?? {})
    .map(([code, raw]) => {
      const res = obj(r.deref(raw)) ?? {};
      const items = swagger2
        ? res.schema !== undefined ? [{ mediaType: produces[0] ?? 'application/json', schema: res.schema }] : []
        : contents(r, res.content);
      return { code, description: str(res.description), contents: items };
    })
    .sort((a, b) => a.code.localeCompare(b.code));
}

function auth(security: unknown): Operation['auth'] {
  const schemes = new Set<string>();
  let optional = false;
  for (const requirement of list(security)) {
    const names = Object.keys(obj(requirement) ?? {});
    if (names.length === 0) optional = true;
    for (const n of names) schemes.add(n);
  }
  return { schemes: [...schemes], optional };
}

function servers(value: unknown): ApiModel['servers'] {
  return list(value).flatMap((s) => {
    const url = str(obj(s)?.url);
    return url === null ? [] : [{ url, description: str(obj(s)?.description) }];
  });
}

function swaggerServers(doc: OpenApiDocument): ApiModel['servers'] {
  const host = str(doc.host);
  if (host === null) return [];
  const schemes = list(doc.schemes).filter((s): s is string => typeof s === 'string');
  return (schemes.length > 0 ? schemes : ['https']).map((scheme) => ({ url: `${scheme}://${host}${str(doc.basePath) ?? ''}`, description: null }));
}

function securitySchemes(value: Json | null): ApiModel['securitySchemes'] {
  return Object.entries(value ?? {}).map(([name, raw]) => {
    const s = obj(raw) ?? {};
    const type = str(s.type);
    let text = type ?? 'unknown';
    if (type === 'http' && str(s.scheme)?.toLowerCase() === 'bearer') text = `Bearer token: send "Authorization: Bearer <token>"${str(s.bearerFormat) ? ` (${String(s.bearerFormat)})` : ''}`;
    else if (type === 'http' && str(s.scheme)?.toLowerCase() === 'basic') text = 'HTTP Basic: send "Authorization: Basic <base64 user:password>"';
    else if (type === 'http') text = `HTTP ${String(s.scheme ?? '')} authentication`;
    else if (type === 'basic') text = 'HTTP Basic authentication';
    else if (type === 'apiKey') text = `API key in the ${String(s.in ?? '?')} "${String(s.name ?? '?')}"`;
    else if (type === 'oauth2') text = 'OAuth 2.0';
    else if (type === 'openIdConnect') text = `OpenID Connect (${String(s.openIdConnectUrl ?? '')})`;
    const description = str(s.description);
    return { name, text: description ? `${text}. ${description}` : text };
  });
}

function link(value: unknown): Link | null {
  const o = obj(value);
  if (o === null) return null;
  const url = str(o.url) ?? (str(o.email) ? `mailto:${String(o.email)}` : null);
  const name = str(o.name) ?? str(o.email) ?? url;
  return name === null ? null : { name, url };
}
