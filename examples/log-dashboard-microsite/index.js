// An example ScheduleZero microsite in plain JavaScript (ESM): no build step.
//
// Mount it by listing it in portal_config.yaml:
//
//   microsites:
//     - sz_dash
//     - id: log_dashboard
//       source: ./examples/log-dashboard-microsite   # relative to portal_config.yaml
//       path: /logs
//
// The portal imports this module, mounts `routes` under the path as an encapsulated Fastify
// plugin, serves ./public at /logs/static/, lists the microsite in the navigation and shows its
// `cards` on the dashboard. Everything it knows about the scheduler comes through ctx.api.

const LEVELS = {
  error: ['failed', 'timed_out', 'lost'],
  warn: ['cancelled', 'missed'],
  info: ['succeeded'],
};

/** A run as a log line: level, time, what ran, and its message. */
function entry(run) {
  const level = Object.keys(LEVELS).find((l) => LEVELS[l].includes(run.status)) ?? 'info';
  const message = run.error?.message ?? (run.result === null || run.result === undefined ? run.status : JSON.stringify(run.result));
  return { level, at: run.finished_at ?? run.scheduled_at, what: `${run.handler}.${run.method}`, message, run };
}

function levelBadge(ctx, level) {
  const cls = level === 'error' ? 'sz-badge-fail' : level === 'warn' ? 'sz-badge-warn' : 'sz-badge-ok';
  return ctx.html`<span class="sz-badge ${cls}">${level}</span>`;
}

async function recent(ctx, level, limit) {
  const status = level ? LEVELS[level] : [...LEVELS.error, ...LEVELS.warn, ...LEVELS.info];
  const page = await ctx.api.runs.list({ status, limit });
  return page.items.map(entry);
}

function table(ctx, entries) {
  if (entries.length === 0) return ctx.html`<p class="sz-empty"><strong>Nothing logged yet.</strong>Finished runs appear here.</p>`;
  return ctx.html`<div class="sz-table-wrap"><table class="sz-table logs-table">
    <thead><tr><th scope="col">Level</th><th scope="col">Finished</th><th scope="col">Job</th><th scope="col">Message</th></tr></thead>
    <tbody>${entries.map(
      (e) => ctx.html`<tr class="logs-${e.level}">
        <td>${levelBadge(ctx, e.level)}</td>
        <td><time data-ago datetime="${new Date(e.at).toISOString()}" title="${new Date(e.at).toISOString()}">${new Date(e.at).toISOString()}</time></td>
        <td class="sz-mono">${e.what}</td>
        <td class="logs-message">${e.message}</td>
      </tr>`,
    )}</tbody></table></div>`;
}

export default {
  id: 'log_dashboard',
  name: 'Logs',
  icon: '🧾',
  description: 'Finished runs as a log: errors, warnings and results.',
  assets: './public',
  docs: './docs',

  routes(app, ctx) {
    // GET /logs/?level=error  (also the htmx target of the level filter)
    app.get('/', async (request, reply) => {
      const level = ['error', 'warn', 'info'].includes(request.query.level) ? request.query.level : '';
      const entries = await recent(ctx, level, 100);
      return ctx.page(request, reply, {
        title: 'Logs',
        head: ctx.html`<link rel="stylesheet" href="${ctx.asset('log-dashboard.css')}">`,
        body: ctx.html`
          <div class="sz-page-head">
            <div><h1><img src="${ctx.asset('logo.svg')}" alt="" class="logs-logo"> Logs</h1><p>Finished runs, newest first.</p></div>
          </div>
          <form class="sz-toolbar" method="get" action="${ctx.url('/')}">
            <div class="sz-field"><label for="level">Level</label>
              <select id="level" name="level">
                <option value="">All</option>
                ${['error', 'warn', 'info'].map((l) => ctx.html`<option value="${l}"${l === level ? ctx.html` selected` : ''}>${l}</option>`)}
              </select>
            </div>
            <button class="sz-btn" type="submit">Filter</button>
          </form>
          <section class="sz-card sz-card-flush" aria-label="Log entries">${table(ctx, entries)}</section>
          <section class="sz-card" style="margin-top:1rem">
            <h2>Write a test entry</h2>
            <p class="sz-muted">Starts a one-off run of a handler's method; its outcome shows up above.</p>
            <form class="sz-form" method="post" action="${ctx.url('/test-run')}">
              ${ctx.csrfField(reply)}
              <div class="sz-field-row">
                <div class="sz-field"><label for="handler">Handler</label><input id="handler" name="handler" type="text" required value="demo"></div>
                <div class="sz-field"><label for="method">Method</label><input id="method" name="method" type="text" required value="hello"></div>
              </div>
              <div><button class="sz-btn sz-btn-primary" type="submit">Start run</button></div>
            </form>
          </section>`,
      });
    });

    // A state-changing route: the portal checks its CSRF token before this handler runs.
    app.post('/test-run', async (request, reply) => {
      const { handler, method } = request.body ?? {};
      await ctx.api.runs.create({ handler, method, params: { from: 'log_dashboard' } });
      return reply.redirect(ctx.url('/'), 303);
    });
  },

  cards: [
    {
      id: 'latest-errors',
      title: 'Latest errors',
      async render(ctx) {
        const entries = await recent(ctx, 'error', 5);
        if (entries.length === 0) return ctx.html`<p class="sz-muted">No errors. 🎉</p>`;
        return ctx.html`<ul class="sz-list">${entries.map((e) => ctx.html`<li><span class="sz-mono">${e.what}</span><span class="sz-muted">${e.message}</span></li>`)}</ul>
          <p><a href="${ctx.url('/?level=error')}">All errors</a></p>`;
      },
    },
  ],
};
