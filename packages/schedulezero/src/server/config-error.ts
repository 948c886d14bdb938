/** A settings problem; its message names the file, line and key (or the variable or flag). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
