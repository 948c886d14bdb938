import type { ApiClient } from './client.js';
import type { Printer } from './output.js';

/** What every API command gets: a client for --server/--token and a printer honouring --json. */
export interface CliContext {
  client: ApiClient;
  out: Printer;
}
