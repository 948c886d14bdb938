export type LogFields = Record<string, unknown>;

/** Where the worker reports what it does. Any object with these methods works (pino, console...). */
export interface Logger {
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function format(message: string, fields?: LogFields): string {
  if (!fields || Object.keys(fields).length === 0) return message;
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${message} ${parts.join(' ')}`;
}

/**
 * One line per event on stderr (stdout stays free for the program's own output). With `debug`,
 * every job's start and outcome is logged too.
 */
export function createConsoleLogger(options: { debug?: boolean; prefix?: string } = {}): Logger {
  const prefix = options.prefix ?? '[schedulezero]';
  const logger: Logger = {
    info: (message, fields) => console.error(`${prefix} ${format(message, fields)}`),
    warn: (message, fields) => console.error(`${prefix} warn: ${format(message, fields)}`),
    error: (message, fields) => console.error(`${prefix} error: ${format(message, fields)}`),
  };
  if (options.debug) logger.debug = (message, fields) => console.error(`${prefix} ${format(message, fields)}`);
  return logger;
}

/** The default logger: lifecycle events and problems on stderr. */
export const consoleLogger: Logger = createConsoleLogger();

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
