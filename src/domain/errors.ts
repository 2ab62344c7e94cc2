/**
 * One error hierarchy for the whole domain. The HTTP edge maps `status` and
 * `code` to `{ "error": { code, message, field? } }` in a single onError.
 */
export class HeraldError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export class Invalid extends HeraldError {
  constructor(message: string, field?: string, code = 'invalid') {
    super(422, code, message, field);
  }
}

export class BadRequest extends HeraldError {
  constructor(message: string, code = 'bad_request') {
    super(400, code, message);
  }
}

export class NotFound extends HeraldError {
  constructor(message: string, field?: string) {
    super(404, 'not_found', message, field);
  }
}

export class Conflict extends HeraldError {
  constructor(message: string, code = 'conflict', field?: string) {
    super(409, code, message, field);
  }
}

export class Unauthorized extends HeraldError {
  constructor(message = 'A valid admin token or session is required.') {
    super(401, 'unauthorized', message);
  }
}

export class Forbidden extends HeraldError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class PayloadTooLarge extends HeraldError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaType extends HeraldError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class RateLimited extends HeraldError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later.') {
    super(429, 'rate_limited', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class Unavailable extends HeraldError {
  constructor(message: string, code = 'unavailable') {
    super(503, code, message);
  }
}
