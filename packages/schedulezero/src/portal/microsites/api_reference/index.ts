import { defineMicrosite } from '../../plugin.js';
import { buildModel, Resolver, type ApiModel } from './model.js';
import type { SchemaContext } from './schema-view.js';
import { specSource, type OpenApiDocument } from './source.js';
import { referencePage } from './views.js';

/**
 * The API reference: serves portal entries of microsite_type openapi. Without a source it shows
 * the server's own API; with a .json/.yaml file (source: or options.spec) it shows that file.
 * Plain server-rendered HTML: no CDN and no script needed.
 */
export default defineMicrosite({
  id: 'api_reference',
  name: 'API reference',
  icon: '📘',
  assets: './assets',
  routes(app, ctx) {
    const source = specSource(ctx);
    // The document object changes only when the file does (the server's own is built once).
    const views = new WeakMap<OpenApiDocument, { model: ApiModel; sc: SchemaContext }>();
    const view = (doc: OpenApiDocument) => {
      let v = views.get(doc);
      if (!v) {
        // Microsite pages are routes of the same server; only /api belongs in its API reference.
        const model = buildModel(doc, source.own ? (path) => path.startsWith('/api/') : undefined);
        const base = doc.swagger !== undefined ? '#/definitions/' : '#/components/schemas/';
        const anchors = new Map(model.schemas.map((s) => [`${base}${s.name.replace(/~/g, '~0').replace(/\//g, '~1')}`, s.id]));
        v = { model, sc: { resolver: new Resolver(doc), anchors } };
        views.set(doc, v);
      }
      return v;
    };
    const head = ctx.html`<link rel="stylesheet" href="${ctx.asset('api-reference.css')}">`;

    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      const { model, sc } = view(source.load());
      const body = referencePage({
        model,
        sc,
        downloadUrl: ctx.url('/openapi.json'),
        downloadName: source.fileName,
        sourceLabel: source.label,
        defaultServer: source.own ? `${request.protocol}://${request.host}` : null,
      });
      return ctx.page(request, reply, { title: model.title, head, body });
    });

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => {
      const doc = source.load();
      return reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(JSON.stringify(doc, null, 2));
    });
  },
});
