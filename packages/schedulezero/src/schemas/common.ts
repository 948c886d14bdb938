import { Type, type Static } from 'typebox';

/** Every 4xx/5xx body. `field` names the offending input as a dotted path when there is one. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable error code, e.g. `invalid_cron`.' }),
      message: Type.String({ description: 'What is wrong, for humans.' }),
      field: Type.Optional(Type.String({ description: 'Dotted path of the offending field, e.g. `trigger.timezone`.' })),
    }),
  }
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IsoTime = Type.String({ format: 'date-time', description: 'ISO-8601 time in UTC.' });
export const NullableIsoTime = Type.Union([IsoTime, Type.Null()]);

/** Identifiers users choose (schedule ids) or see (handler and method names). */
export const Identifier = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$',
  description: 'Letters, digits and . _ : @ / - ; starts with a letter or digit.',
});

export const JsonObjectSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A JSON object.',
});

export const JsonAny = Type.Unknown({ description: 'Any JSON value.' });

export const Cursor = Type.String({ maxLength: 512, description: 'Opaque cursor from a previous page.' });
export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export type IdParams = Static<typeof IdParams>;
