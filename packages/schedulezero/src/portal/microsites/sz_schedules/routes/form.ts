import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../../domain/errors.js';
import type { ScheduleRow } from '../../../../domain/types.js';
import { formFieldOf, messageFor, type FieldErrors } from '../form-fields.js';
import { buildScheduleBody } from '../form-parse.js';
import { readValues, scheduleValues, TRIGGER_FIELDS, type FormValues } from '../form-values.js';
import { previewOf, triggerError } from '../preview.js';
import { param, type Site } from '../site.js';
import { scheduleTitle } from '../views/common.js';
import { formPage } from '../views/form.js';
import { previewBody } from '../views/preview.js';
import { checkCreate, checkPatch } from '../validate.js';

type Params = { Params: { id: string } };

/** Create and edit forms, and the live trigger preview they call while the user types. */
export function formRoutes(app: FastifyInstance, site: Site): void {
  const { ctx, links } = site;
  const api = ctx.api;

  async function show(request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors, schedule: ScheduleRow | null): Promise<FastifyReply> {
    const handlers = await api.handlers.list();
    const body = formPage(site.view(reply), { schedule, values, errors, handlers, preview: previewOf(api, values, schedule ?? undefined) });
    const title = schedule ? `Edit ${scheduleTitle(schedule)}` : 'New schedule';
    return site.page(request, reply, title, body, errors.size > 0 ? 400 : 200);
  }

  /** An engine refusal becomes an error next to the field it names (or above the form). */
  function refused(err: unknown, errors: FieldErrors): void {
    if (!(err instanceof AppError) || err.statusCode >= 500) throw err;
    errors.set(formFieldOf(err.field), messageFor(err.message, err.field));
  }

  /** The engine's word on the trigger, unless a trigger field is wrong already (a number that is none). */
  function checkTrigger(trigger: unknown, errors: FieldErrors): void {
    if (trigger !== undefined && !TRIGGER_FIELDS.some((f) => errors.has(f))) triggerError(api, trigger, errors);
  }

  // Links such as "Schedule this method" prefill the form through the query string.
  app.get('/new', async (request, reply) => show(request, reply, readValues(request.query), new Map(), null));

  app.post('/new', async (request, reply) => {
    const values = readValues(request.body);
    const errors: FieldErrors = new Map();
    const body = buildScheduleBody(values, errors);
    checkTrigger(body.trigger, errors);
    if (checkCreate(body, errors) && errors.size === 0) {
      try {
        const created = await api.schedules.create(body);
        return reply.redirect(links.schedule(created.id, { flash: 'created' }), 303);
      } catch (err) {
        refused(err, errors);
      }
    }
    return show(request, reply, values, errors, null);
  });

  app.get<Params>('/:id/edit', async (request, reply) => {
    const schedule = await api.schedules.get(request.params.id);
    return show(request, reply, scheduleValues(schedule), new Map(), schedule);
  });

  app.post<Params>('/:id/edit', async (request, reply) => {
    const schedule = await api.schedules.get(request.params.id);
    const values = { ...readValues(request.body), id: schedule.id };
    const errors: FieldErrors = new Map();
    const body = buildScheduleBody(values, errors, schedule);
    checkTrigger(body.trigger, errors);
    if (checkPatch(body, errors) && errors.size === 0) {
      try {
        await api.schedules.update(schedule.id, body);
        return reply.redirect(links.schedule(schedule.id, { flash: 'updated' }), 303);
      } catch (err) {
        refused(err, errors);
      }
    }
    return show(request, reply, values, errors, schedule);
  });

  app.get('/preview', async (request, reply) => {
    const forId = param(request.query, 'for_schedule', 128);
    const stored = forId ? await api.schedules.get(forId).catch(() => undefined) : undefined;
    return ctx.fragment(reply, previewBody(previewOf(api, readValues(request.query), stored)));
  });
}
