export type LogFields = Record<string, unknown>;

/** Where the worker reports what it does. Any object with these methods works (pino, console...). */
export interface Logger {
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** `message key=value ...`: how a message and its fields read as one line. */
export function formatLogLine(message: string, fields?: LogFields): string {
  if (!fields || Object.keys(fields).length === 0) return message;
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : fieldText(v)}`);
  return `${message} ${parts.join(' ')}`;
}

/** JSON where it can be; a BigInt or a cycle must not make a log call throw. */
function fieldText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * One line per event on stderr (stdout stays free for the program's own output). With `debug`,
 * every job's start and outcome is logged too.
 */
export function createConsoleLogger(options: { debug?: boolean; prefix?: string } = {}): Logger {
  const prefix = options.prefix ?? '[schedulezero]';
  const logger: Logger = {
    info: (message, fields) => console.error(`${prefix} ${formatLogLine(message, fields)}`),
    warn: (message, fields) => console.error(`${prefix} warn: ${formatLogLine(message, fields)}`),
    error: (message, fields) => console.error(`${prefix} error: ${formatLogLine(message, fields)}`),
  };
  if (options.debug) logger.debug = (message, fields) => console.error(`${prefix} ${formatLogLine(message, fields)}`);
  return logger;
}

/** The default logger: lifecycle events and problems on stderr. */
export const consoleLogger: Logger = createConsoleLogger();

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
