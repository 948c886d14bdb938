import { Type } from 'typebox';

/**
 * The trigger as the API documents and pre-validates it. The triggers module (parseTrigger) then
 * checks what a JSON Schema cannot: cron syntax, time zones, time formats, end after start.
 */
const TimeInput = Type.Union([Type.String({ maxLength: 64 }), Type.Number()], {
  description: 'ISO-8601 (an offset-less time is read in the trigger time zone) or a Unix epoch in seconds.',
});
const Timezone = Type.String({ maxLength: 64, description: 'IANA time zone, e.g. `Europe/Berlin`. Default `UTC`.' });
const CronField = Type.Union([Type.String({ maxLength: 128 }), Type.Integer()]);

export const CronTrigger = Type.Object(
  {
    type: Type.Literal('cron'),
    expression: Type.Optional(
      Type.String({
        maxLength: 256,
        description: 'Crontab of 5 fields, or 6 with seconds first; supports names, ranges, steps, L, W and #.',
        examples: ['*/5 * * * *', '0 30 9 * * MON-FRI'],
      }),
    ),
    year: Type.Optional(CronField),
    month: Type.Optional(CronField),
    day: Type.Optional(CronField),
    week: Type.Optional(CronField),
    day_of_week: Type.Optional(CronField),
    hour: Type.Optional(CronField),
    minute: Type.Optional(CronField),
    second: Type.Optional(CronField),
    timezone: Type.Optional(Timezone),
    start_time: Type.Optional(TimeInput),
    end_time: Type.Optional(TimeInput),
  },
  {
    additionalProperties: false,
    description: 'Either `expression`, or the field form of the original ScheduleZero (`{"hour":"*/2","minute":"0"}`).',
  },
);

const Amount = Type.Number({ minimum: 0 });
export const IntervalTrigger = Type.Object(
  {
    type: Type.Literal('interval'),
    weeks: Type.Optional(Amount),
    days: Type.Optional(Amount),
    hours: Type.Optional(Amount),
    minutes: Type.Optional(Amount),
    seconds: Type.Optional(Amount),
    timezone: Type.Optional(Timezone),
    start_time: Type.Optional(TimeInput),
    end_time: Type.Optional(TimeInput),
  },
  { additionalProperties: false, description: 'Every N units of elapsed time from `start_time` (default: creation).' },
);

export const DateTrigger = Type.Object(
  {
    type: Type.Literal('date'),
    run_date: TimeInput,
    timezone: Type.Optional(Timezone),
  },
  { additionalProperties: false, description: 'Runs once at `run_date`.' },
);

/**
 * A discriminated union: with Ajv's `discriminator` option the validator reports errors of the
 * matching branch only ("trigger.seconds must be number"), not one per branch.
 */
export const TriggerInput = Type.Unsafe<Record<string, unknown> & { type: 'cron' | 'interval' | 'date' }>({
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [CronTrigger, IntervalTrigger, DateTrigger],
});

/** A stored, normalized trigger as returned by the API. */
export const TriggerOutput = Type.Object(
  { type: Type.Union([Type.Literal('cron'), Type.Literal('interval'), Type.Literal('date')]) },
  { additionalProperties: true },
);
