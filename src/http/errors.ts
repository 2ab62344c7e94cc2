import { HeraldError } from '../domain/errors.ts';

/** Refusals that only exist at the HTTP edge: the request itself, not the domain, is wrong. */
export class BadRequest extends HeraldError {
  constructor(message: string, code = 'bad_request') {
    super(code, message);
  }
}

export class Unauthorized extends HeraldError {
  constructor(message = 'A valid admin token or session is required.') {
    super('unauthorized', message);
  }
}

export class Forbidden extends HeraldError {
  constructor(message: string, code = 'forbidden') {
    super(code, message);
  }
}

export class PayloadTooLarge extends HeraldError {
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaType extends HeraldError {
  constructor(message: string) {
    super('unsupported_media_type', message);
  }
}

/**
 * The client went away while its request body was still coming (a dropped
 * connection, a cancelled upload). Not a refusal and not Herald's fault:
 * nobody is left to answer, and nothing is worth logging.
 */
export class ClientGone extends Error {
  constructor(cause: unknown) {
    super('The client went away before its request body arrived.', { cause });
    this.name = 'ClientGone';
  }
}
