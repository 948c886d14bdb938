import type { ScheduleRow } from '../../../../domain/types.js';
import type { HandlerView } from '../../../../engine/types.js';
import { html, type SafeHtml } from '../../../html.js';
import { FIELD_LABELS, fieldId, type ErrorKey, type FieldErrors } from '../form-fields.js';
import { cronFieldForm, triggerType, type FormField, type FormValues } from '../form-values.js';
import { timeZones } from '../format.js';
import { breadcrumb, scheduleTitle, type View } from './common.js';
import { previewBody, type PreviewModel } from './preview.js';

export interface FormModel {
  /** The stored schedule when editing. */
  schedule: ScheduleRow | null;
  values: FormValues;
  errors: FieldErrors;
  handlers: HandlerView[];
  preview: PreviewModel;
}

const ADVANCED: readonly ErrorKey[] = ['max_instances', 'catch_up', 'misfire_grace_seconds', 'timeout_seconds', 'retry_max_attempts', 'retry_initial_delay_seconds'];

/** id, name and the ARIA wiring of one control: its hint and its error are read with it. */
function controlAttrs(m: FormModel, key: FormField, hint: boolean): SafeHtml {
  const error = m.errors.has(key);
  const ids = [hint ? `${fieldId(key)}-hint` : '', error ? `${fieldId(key)}-error` : ''].filter(Boolean).join(' ');
  return html`id="${fieldId(key)}" name="${key}"${error ? html` aria-invalid="true"` : ''}${ids ? html` aria-describedby="${ids}"` : ''}`;
}

function errorText(m: FormModel, key: ErrorKey): SafeHtml {
  const message = m.errors.get(key);
  return message ? html`<p class="sz-field-error" id="${fieldId(key)}-error">${message}</p>` : html``;
}

function hintText(key: FormField, hint: SafeHtml | string | undefined): SafeHtml {
  return hint ? html`<p class="sz-hint" id="${fieldId(key)}-hint">${hint}</p>` : html``;
}

interface TextOptions {
  hint?: SafeHtml | string;
  /** A quiet word after the label, such as "optional". */
  tag?: string;
  placeholder?: string;
  required?: boolean;
  list?: string;
  className?: string;
  type?: 'text' | 'datetime-local';
}

function textField(m: FormModel, key: FormField, label: string, o: TextOptions = {}): SafeHtml {
  return html`<div class="sz-field${o.className ? ` ${o.className}` : ''}">
  <label for="${fieldId(key)}">${label}${o.tag ? html` <span class="sz-muted szs-optional">${o.tag}</span>` : ''}</label>
  <input type="${o.type ?? 'text'}" ${controlAttrs(m, key, Boolean(o.hint))} value="${m.values[key]}"${o.placeholder ? html` placeholder="${o.placeholder}"` : ''}${
    o.list ? html` list="${o.list}"` : ''
  }${o.type === 'datetime-local' ? html` step="1"` : ''}${o.required ? html` required` : ''} autocomplete="off" spellcheck="false">
  ${hintText(key, o.hint)}${errorText(m, key)}
</div>`;
}

function numberField(m: FormModel, key: FormField, label: string, o: { hint?: string; min?: number; max?: number; integer?: boolean; placeholder?: string } = {}): SafeHtml {
  return html`<div class="sz-field">
  <label for="${fieldId(key)}">${label}</label>
  <input type="number" ${controlAttrs(m, key, Boolean(o.hint))} value="${m.values[key]}" inputmode="${o.integer ? 'numeric' : 'decimal'}"${
    o.min !== undefined ? html` min="${o.min}"` : ''
  }${o.max !== undefined ? html` max="${o.max}"` : ''} step="${o.integer ? '1' : 'any'}"${o.placeholder ? html` placeholder="${o.placeholder}"` : ''}>
  ${hintText(key, o.hint)}${errorText(m, key)}
</div>`;
}

export function formPage(view: View, m: FormModel): SafeHtml {
  const editing = m.schedule !== null;
  const title = editing ? `Edit ${scheduleTitle(m.schedule!)}` : 'New schedule';
  const action = editing ? view.links.scheduleAction(m.schedule!.id, 'edit') : view.links.create();
  const cancel = editing ? view.links.schedule(m.schedule!.id) : view.links.home();
  const crumbs = editing
    ? [{ label: 'Schedules', href: view.links.home() }, { label: scheduleTitle(m.schedule!), href: cancel }, { label: 'Edit' }]
    : [{ label: 'Schedules', href: view.links.home() }, { label: 'New' }];
  return html`${breadcrumb(crumbs)}
<div class="sz-page-head"><div><h1>${title}</h1><p>${editing ? 'Changes apply from the next run.' : 'Call a handler method on a cron expression, an interval or a date.'}</p></div></div>
${errorSummary(m)}
<form class="sz-form szs-form" method="post" action="${action}">
  ${view.csrf}
  ${jobFieldset(m)}
  ${triggerFieldset(view, m)}
  ${advanced(m)}
  <div class="sz-actions">
    <button type="submit" class="sz-btn sz-btn-primary">${editing ? 'Save changes' : 'Create schedule'}</button>
    <a class="sz-btn sz-btn-quiet" href="${cancel}">Cancel</a>
  </div>
</form>`;
}

function errorSummary(m: FormModel): SafeHtml {
  if (m.errors.size === 0) return html``;
  const items = [...m.errors].map(([key, message]) =>
    key === 'form' ? html`<li>${message}</li>` : html`<li><a href="#${fieldId(key)}">${FIELD_LABELS[key]}: ${message}</a></li>`,
  );
  return html`<div class="sz-flash sz-flash-error szs-error-summary" role="alert">
  <strong>${m.errors.size === 1 ? 'One thing to fix' : `${m.errors.size} things to fix`} before the schedule can be saved:</strong>
  <ul>${items}</ul>
</div>`;
}

function jobFieldset(m: FormModel): SafeHtml {
  const editing = m.schedule !== null;
  const methods = new Map<string, string[]>();
  for (const h of m.handlers) for (const method of h.methods) methods.set(method, [...(methods.get(method) ?? []), h.handler]);
  return html`<fieldset class="sz-fieldset">
  <legend>Job</legend>
  <div class="sz-field-row">
    ${textField(m, 'name', 'Name', { tag: 'optional', hint: 'Shown in lists and on the dashboard.', placeholder: 'Nightly report' })}
    ${editing
      ? html`<div class="sz-field"><span class="sz-label">ID</span><p class="sz-mono szs-readonly">${m.schedule!.id}</p><p class="sz-hint">The id cannot change.</p></div>`
      : textField(m, 'id', 'ID', { tag: 'optional', hint: 'Letters, digits and . _ : @ / - . Empty: a generated id.', placeholder: 'nightly-report', className: 'szs-mono' })}
  </div>
  <div class="sz-field-row">
    ${textField(m, 'handler', 'Handler', { required: true, list: 'szs-handlers', hint: 'The name workers register under.', className: 'szs-mono' })}
    ${textField(m, 'method', 'Method', { required: true, list: 'szs-methods', hint: 'The method of the handler to call.', className: 'szs-mono' })}
  </div>
  <datalist id="szs-handlers">${m.handlers.map((h) => html`<option value="${h.handler}">${h.status === 'online' ? 'online' : 'offline'} · ${h.methods.length} methods</option>`)}</datalist>
  <datalist id="szs-methods">${[...methods].map(([method, handlers]) => html`<option value="${method}">${handlers.join(', ')}</option>`)}</datalist>
  <div class="sz-field">
    <label for="${fieldId('params')}">Parameters <span class="sz-muted szs-optional">JSON object</span></label>
    <textarea ${controlAttrs(m, 'params', true)} rows="5" spellcheck="false" placeholder='{"report": "daily"}'>${m.values.params}</textarea>
    ${hintText('params', 'Passed to the method on every run.')}${errorText(m, 'params')}
  </div>
</fieldset>`;
}

function triggerFieldset(view: View, m: FormModel): SafeHtml {
  const type = triggerType(m.values);
  const fieldForm = cronFieldForm(m.schedule?.trigger);
  const radio = (value: 'cron' | 'interval' | 'date', label: string) =>
    html`<label><input type="radio" name="trigger_type" value="${value}"${type === value ? html` checked` : ''}><span>${label}</span></label>`;
  return html`<fieldset class="sz-fieldset szs-trigger" id="${fieldId('trigger')}"
  hx-get="${view.links.preview()}" hx-trigger="input delay:400ms, change delay:400ms" hx-include="this"
  hx-target="#szs-preview" hx-swap="innerHTML" hx-sync="this:replace">
  <legend>When it runs</legend>
  ${m.schedule ? html`<input type="hidden" name="for_schedule" value="${m.schedule.id}">` : ''}
  <div class="sz-segmented" id="${fieldId('trigger_type')}">${radio('cron', 'Cron')}${radio('interval', 'Interval')}${radio('date', 'Date')}</div>
  ${errorText(m, 'trigger_type')}${errorText(m, 'trigger')}
  <fieldset class="szs-sec szs-sec-cron">
    <legend>Cron</legend>
    ${textField(m, 'cron_expression', 'Cron expression', {
      className: 'szs-mono',
      placeholder: '*/15 * * * *',
      hint: html`5 fields (minute hour day month weekday), or 6 with seconds first. E.g. <code>*/15 * * * *</code> every 15 minutes, <code>0 9 * * MON-FRI</code> weekdays at 9:00, <code>0 0 1 * *</code> monthly.${
        fieldForm
          ? html` This schedule uses the field form (${Object.entries(fieldForm).map(([k, v]) => `${k}=${v}`).join(', ')}); leave the expression empty to keep it.`
          : ''
      }`,
    })}
  </fieldset>
  <fieldset class="szs-sec szs-sec-interval">
    <legend>Interval</legend>
    <div class="sz-field-row szs-units">
      ${numberField(m, 'interval_weeks', 'Weeks', { min: 0 })}
      ${numberField(m, 'interval_days', 'Days', { min: 0 })}
      ${numberField(m, 'interval_hours', 'Hours', { min: 0 })}
      ${numberField(m, 'interval_minutes', 'Minutes', { min: 0 })}
      ${numberField(m, 'interval_seconds', 'Seconds', { min: 0 })}
    </div>
    <p class="sz-hint">Runs every weeks + days + hours + minutes + seconds. The first run is one interval after saving, unless Start is set.</p>
  </fieldset>
  <fieldset class="szs-sec szs-sec-date">
    <legend>Date</legend>
    ${textField(m, 'run_date', 'Run at', { type: 'datetime-local', hint: 'Runs once, at this time in the time zone below.' })}
  </fieldset>
  ${textField(m, 'timezone', 'Time zone', { tag: 'default UTC', list: 'szs-zones', placeholder: 'UTC', hint: 'An IANA name such as Europe/Berlin. Times above are read in this zone; daylight saving is handled.' })}
  <datalist id="szs-zones">${zoneOptions()}</datalist>
  <details class="szs-window"${m.values.start_time || m.values.end_time || m.errors.has('start_time') || m.errors.has('end_time') ? html` open` : ''}>
    <summary>Start and end <span class="sz-muted szs-optional">optional</span></summary>
    <div class="sz-field-row">
      ${textField(m, 'start_time', 'Start', { type: 'datetime-local', hint: 'Cron: no run before. Interval: the first run, and the grid the next ones follow.' })}
      ${textField(m, 'end_time', 'End', { type: 'datetime-local', hint: 'No run after this time.' })}
    </div>
  </details>
  <section class="szs-preview" aria-labelledby="szs-preview-title">
    <h3 id="szs-preview-title">Preview</h3>
    <div id="szs-preview" aria-live="polite">${previewBody(m.preview)}</div>
  </section>
</fieldset>`;
}

let zoneList: SafeHtml | null = null;

function zoneOptions(): SafeHtml {
  zoneList ??= html`${timeZones().map((z) => html`<option value="${z}"></option>`)}`;
  return zoneList;
}

function advanced(m: FormModel): SafeHtml {
  const editing = m.schedule !== null;
  const open = ADVANCED.some((k) => m.errors.has(k));
  const catchUp = m.values.catch_up;
  const option = (value: string, label: string) => html`<option value="${value}"${catchUp === value ? html` selected` : ''}>${label}</option>`;
  return html`<details class="sz-fieldset szs-advanced"${open ? html` open` : ''}>
  <summary>Advanced: overlap, catch-up, timeouts and retries</summary>
  <div class="sz-field-row">
    ${numberField(m, 'max_instances', 'Max instances', { min: 1, max: 1000, integer: true, placeholder: editing ? '' : 'default', hint: 'Most runs queued or running at once; further ones are recorded as missed.' })}
    <div class="sz-field">
      <label for="${fieldId('catch_up')}">Catch up</label>
      <select ${controlAttrs(m, 'catch_up', true)}>
        ${editing ? '' : option('', 'Server default')}
        ${option('skip', 'Skip: run none')}
        ${option('once', 'Once: run one')}
        ${option('all', 'All: run each')}
      </select>
      ${hintText('catch_up', 'Occurrences that fell due while no scheduler was running.')}${errorText(m, 'catch_up')}
    </div>
  </div>
  <div class="sz-field-row">
    ${numberField(m, 'misfire_grace_seconds', 'Misfire grace (seconds)', { min: 0, hint: 'A run not started this long after its due time is missed. Empty: run however late.' })}
    ${numberField(m, 'timeout_seconds', 'Timeout (seconds)', { min: 0, hint: 'An attempt running longer is stopped. Empty: no limit.' })}
  </div>
  <div class="sz-field-row">
    ${numberField(m, 'retry_max_attempts', 'Max attempts', { min: 1, max: 100, integer: true, placeholder: editing ? '' : '1', hint: 'Attempts in all; 1 means no retry.' })}
    ${numberField(m, 'retry_initial_delay_seconds', 'First retry after (seconds)', { min: 0, placeholder: editing ? '' : '1', hint: 'Later retries wait longer (exponential back-off).' })}
  </div>
  ${editing
    ? ''
    : html`<label class="sz-check"><input type="checkbox" id="${fieldId('paused')}" name="paused" value="on"${m.values.paused ? html` checked` : ''}> Start paused (it will not fire until resumed)</label>`}
</details>`;
}
