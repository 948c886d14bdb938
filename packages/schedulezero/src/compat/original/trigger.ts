import { ValidationError } from '../../domain/errors.js';

const TYPES = ['date', 'interval', 'cron'];
const INTERVAL_UNITS = ['weeks', 'days', 'hours', 'minutes', 'seconds'];

/**
 * The original's trigger `{type, ...APScheduler arguments}` in this engine's terms. The engine
 * reads the APScheduler field form itself (docs/concepts/triggers.md); what differs is what the
 * original tolerated: any case of `type`, and interval amounts given as numeric strings (it
 * passed them through float()).
 */
export function originalTrigger(input: Record<string, unknown>): Record<string, unknown> & { type: 'cron' | 'interval' | 'date' } {
  const type = typeof input.type === 'string' ? input.type.trim().toLowerCase() : '';
  if (!TYPES.includes(type)) {
    throw new ValidationError(`Unsupported trigger type: ${JSON.stringify(input.type ?? '')}. Use 'date', 'interval', or 'cron'.`, 'trigger.type', 'invalid_trigger');
  }
  const trigger: Record<string, unknown> = { ...input, type };
  if (type === 'interval') {
    for (const unit of INTERVAL_UNITS) {
      const value = trigger[unit];
      if (typeof value !== 'string') continue;
      const amount = Number(value.trim());
      if (value.trim() === '' || !Number.isFinite(amount)) {
        throw new ValidationError(`trigger.${unit} must be a number (got ${JSON.stringify(value)})`, `trigger.${unit}`, 'invalid_trigger');
      }
      trigger[unit] = amount;
    }
  }
  return trigger as Record<string, unknown> & { type: 'cron' | 'interval' | 'date' };
}
