import type { Engine } from '../../engine/engine.js';

/** A handler registered over ZeroMQ, as the original's GET /api/handlers shows it. */
export interface ZmqHandlerEntry {
  id: string;
  /** Where the handler's own REP socket listens, e.g. tcp://127.0.0.1:4244. */
  address: string;
  methods: string[];
  registered_at: number;
  /** Last sign of life: a ping or status report, or any reply on its own socket. */
  last_seen_at: number;
  /** False once it has left or was unregistered (it is still listed, as the original did). */
  registered: boolean;
}

/**
 * The ZeroMQ handlers of one engine. The bridge starts after the HTTP app is built and the
 * routes only receive the engine, so the two meet here, keyed by the engine (one server process
 * may embed several engines, in tests for instance).
 */
const directories = new WeakMap<Engine, Map<string, ZmqHandlerEntry>>();

export function zmqDirectory(engine: Engine): Map<string, ZmqHandlerEntry> {
  let directory = directories.get(engine);
  if (!directory) {
    directory = new Map();
    directories.set(engine, directory);
  }
  return directory;
}
