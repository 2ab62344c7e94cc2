import { expect } from 'vitest';
import type { HeraldError } from '../../src/domain/errors.ts';

/** Runs `fn`, expects a HeraldError of `type`, and returns it for more checks. */
export function refused<E extends HeraldError>(fn: () => unknown, type: new (...a: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error('expected the verb to refuse');
}
