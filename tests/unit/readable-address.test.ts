import { describe, expect, it } from 'vitest';
import { readableAddress } from '../../src/input/readable-address.ts';

describe('readableAddress', () => {
  it('shows an ASCII (punycode) domain in its Unicode form, and leaves the rest as stored', () => {
    expect(readableAddress('user@xn--bcher-kva.de')).toBe('user@bücher.de');
    expect(readableAddress('form@xn--e1afmkfd.xn--p1ai')).toBe('form@пример.рф');
    expect(readableAddress('plain@example.com')).toBe('plain@example.com');
    // A local part that looks like punycode is not a domain: untouched.
    expect(readableAddress('xn--bcher-kva@example.com')).toBe('xn--bcher-kva@example.com');
    // A label IDNA cannot decode is shown as stored, not emptied.
    expect(readableAddress('bad@xn--.de')).toBe('bad@xn--.de');
  });
});
