import { describe, expect, it } from 'vitest';
import { maskAddress, maskedQuery } from '../../src/domain/masked-address.ts';

describe('an address as the audit log keeps it', () => {
  it.each([
    ['user11999@example.com', 'u…9@e….com'],
    ['dana@example.com', 'd…a@e….com'],
    // A personal domain would name its owner: only its first letter and its top-level label are kept.
    ['jane@janedoe.com', 'j…e@j….com'],
    ['x@example.com', 'x…@e….com'],
    ['a.b+tag@mail.example.co.uk', 'a…g@m….uk'],
    // By code point: a character outside the BMP is kept whole, never half a surrogate pair.
    ['😀😀abc😀@example.com', '😀…😀@e….com'],
  ])('%s → %s', (email, masked) => {
    expect(maskAddress(email)).toBe(masked);
    expect(maskAddress(email)).not.toBe(email);
  });

  it.each([
    ['user11999', 'u…9'],
    ['user11999@example.com', 'u…9@e….com'],
    ['usr', null],
    ['two words', null],
  ])('the search %s looks for %s too', (q, masked) => {
    expect(maskedQuery(q)).toBe(masked);
  });
});
