import { describe, expect, it } from 'vitest';
import { maskAddress, maskedQuery } from '../../src/domain/masked-address.ts';

describe('an address as the audit log keeps it', () => {
  it.each([
    ['user11999@example.com', 'us…99@example.com'],
    ['dana@example.com', 'd…@example.com'],
    ['x@example.com', 'x…@example.com'],
    ['a.b+tag@example.org', 'a.…ag@example.org'],
    // By code point: a character outside the BMP is kept whole, never half a surrogate pair.
    ['😀😀abc😀@example.com', '😀😀…c😀@example.com'],
  ])('%s → %s', (email, masked) => {
    expect(maskAddress(email)).toBe(masked);
    expect(maskAddress(email)).not.toBe(email);
  });

  it.each([
    ['user11999', 'us…99'],
    ['user11999@example.com', 'us…99@example.com'],
    ['user', null],
    // The mask itself, typed: found as it is.
    ['us…99', 'us…99'],
    ['two words', null],
  ])('the search %s looks for %s too', (q, masked) => {
    expect(maskedQuery(q)).toBe(masked);
  });
});
