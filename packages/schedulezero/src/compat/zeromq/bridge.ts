import type { Engine } from '../../engine/engine.js';
import type { Logger } from '../../domain/logger.js';

export interface ZmqBridgeOptions {
  /** tcp://host:port of the registration REP socket (the original's 4242). */
  endpoint: string;
  logger: Logger;
}

export interface ZmqBridge {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * The original ScheduleZero's ZeroMQ transport: handlers register on a REP socket and receive
 * jobs as {"method", "params"} on their own address.
 */
export async function startZmqBridge(engine: Engine, options: ZmqBridgeOptions): Promise<ZmqBridge> {
  void engine;
  return { endpoint: options.endpoint, close: async () => undefined };
}
