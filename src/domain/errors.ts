/**
 * One error hierarchy for everything Herald refuses. Each error names what
 * went wrong (`code`) and, for bad input, which field. How each kind maps to
 * an HTTP status is decided in one place at the edge (src/api/errors.ts).
 */
export class HeraldError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.field = field;
  }
}

/** Input that breaks a rule (a missing name, an unknown component, a window in the past). */
export class Invalid extends HeraldError {
  constructor(message: string, field?: string, code = 'invalid') {
    super(code, message, field);
  }
}

export class NotFound extends HeraldError {
  constructor(message: string, field?: string) {
    super('not_found', message, field);
  }
}

/** The request is fine but the state forbids it now (a resolved incident, a component in use). */
export class Conflict extends HeraldError {
  constructor(message: string, code = 'conflict', field?: string) {
    super(code, message, field);
  }
}

export class RateLimited extends HeraldError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later.') {
    super('rate_limited', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Storage (or another part Herald depends on) cannot take the change now; nothing was changed. */
export class Unavailable extends HeraldError {
  /** When known, how long to wait before trying again (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, code = 'unavailable', retryAfterSeconds?: number) {
    super(code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A write whose outcome is not known (the database did not confirm its commit): it may have been saved or not. */
export class Unconfirmed extends Unavailable {
  constructor(message: string) {
    super(message, 'storage_unavailable');
  }
}

/** The change was made against a version of a record that is no longer current (If-Match, a form's version). */
export class Stale extends Conflict {
  constructor(message: string, field?: string) {
    super(message, 'precondition_failed', field);
  }
}
