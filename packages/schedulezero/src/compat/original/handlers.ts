import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { RetryPolicy } from '../../domain/types.js';
import type { Engine, HandlerView } from '../../engine/engine.js';
import { zmqDirectory } from '../zeromq/directory.js';

/** The original's retry: 3 attempts, 1 s first delay, doubling (its ±50 % jitter is not kept). */
export const ORIGINAL_RETRY: Partial<RetryPolicy> = { max_attempts: 3, initial_delay_seconds: 1, backoff_factor: 2 };

/**
 * Jobs created through the original's routes retry as the original did, unless the handler
 * registry gives the method its own policy.
 */
export function originalRetry(engine: Engine, handler: string, method: string): Partial<RetryPolicy> | undefined {
  return engine.catalog.method(handler, method)?.retry ? undefined : ORIGINAL_RETRY;
}

export interface KnownHandler {
  id: string;
  view: HandlerView | undefined;
  methods: string[];
  address: string | null;
  type: 'zeromq' | 'http' | 'command' | 'worker' | 'in_process';
}

/** A registry URL without credentials or query (which may carry secrets). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/**
 * Every handler the server knows of: workers (pull, in-process, ZeroMQ; online or seen in the
 * last day) and the handler registry's entries.
 */
export async function knownHandlers(engine: Engine): Promise<KnownHandler[]> {
  const views = new Map((await engine.listHandlers()).map((v) => [v.handler, v]));
  const directory = zmqDirectory(engine);
  const ids = new Set([...views.keys(), ...engine.catalog.handlers().map((h) => h.id), ...directory.keys()]);
  return [...ids].sort().map((id) => {
    const view = views.get(id);
    const zmq = directory.get(id);
    const registered = engine.catalog.handler(id);
    const methods = new Set([...(view?.methods ?? []), ...engine.catalog.methods(id).map((m) => m.name), ...(zmq?.methods ?? [])]);
    const type: KnownHandler['type'] = zmq
      ? 'zeromq'
      : (registered?.type ?? (view?.workers.some((w) => w.kind === 'local') ? 'in_process' : 'worker'));
    const address = zmq?.address ?? (registered?.type === 'http' ? safeUrl(registered.url) : null);
    return { id, view, methods: [...methods].sort(), address, type };
  });
}

/**
 * The original's checks before scheduling or running: 404 for a handler nobody knows, 400 for a
 * method it does not offer (when its methods are known).
 */
export async function assertHandlerMethod(engine: Engine, handler: string, method: string): Promise<void> {
  const known = (await knownHandlers(engine)).find((h) => h.id === handler);
  if (!known) throw new NotFoundError('handler_not_found', `Handler '${handler}' not registered.`);
  if (known.methods.length > 0 && !known.methods.includes(method)) {
    throw new ValidationError(`Method '${method}' not exposed by handler '${handler}'. It offers: ${known.methods.join(', ')}`, 'job_method', 'unknown_method');
  }
}
