import type { Logger } from '../../domain/logger.js';
import type { Store } from '../../store/store.js';

/** What is kept of a ZeroMQ registration across restarts (the original kept a registry file). */
export interface SavedRegistration {
  id: string;
  address: string;
  methods: string[];
}

/** One small key of the store's key/value state: registrations are few and change rarely. */
const META_KEY = 'compat.zeromq.handlers';

export async function saveRegistrations(store: Store, registrations: SavedRegistration[]): Promise<void> {
  await store.setMeta(META_KEY, JSON.stringify(registrations));
}

/** The saved registrations; anything unreadable is skipped with a warning, never fatal. */
export async function loadRegistrations(store: Store, logger: Logger): Promise<SavedRegistration[]> {
  const text = await store.getMeta(META_KEY);
  if (!text) return [];
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    logger.warn({ key: META_KEY }, 'ignoring unreadable saved ZeroMQ registrations');
    return [];
  }
  if (!Array.isArray(saved)) return [];
  const valid: SavedRegistration[] = [];
  for (const item of saved) {
    const { id, address, methods } = (item ?? {}) as Record<string, unknown>;
    if (typeof id === 'string' && typeof address === 'string' && Array.isArray(methods) && methods.every((m) => typeof m === 'string')) {
      valid.push({ id, address, methods: methods as string[] });
    } else {
      logger.warn({ key: META_KEY, item }, 'ignoring an unreadable saved ZeroMQ registration');
    }
  }
  return valid;
}
