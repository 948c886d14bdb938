/**
 * Errors that carry an HTTP status and a machine-readable code. Anything thrown that is not an
 * AppError is a bug and reaches the client only as a generic 500.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Dotted path of the offending input field, e.g. `trigger.timezone`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(message: string, field?: string, code = 'invalid_input') {
    super(400, code, message, field);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(404, code, message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, field?: string) {
    super(409, code, message, field);
    this.name = 'ConflictError';
  }
}
