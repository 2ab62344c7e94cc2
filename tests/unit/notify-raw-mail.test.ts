import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { buildRaw, compileRaw, fillRaw, tokenPlaceholder } from '../../src/notify/raw-mail.ts';

const token = (c: string, n = 45) => `abcdefghij12.${c.repeat(n - 13)}`;

function options(v: { to: string; id: string; unsub: string; manage: string }) {
  // Long lines and links at many offsets, so quoted-printable soft breaks land inside the tokens.
  const filler = (n: number) => 'word '.repeat(n);
  return {
    from: 'Status <status@example.com>',
    to: { name: '', address: v.to },
    subject: 'Incident',
    messageId: v.id,
    date: new Date('2026-11-23T10:00:00Z'),
    text: [0, 3, 7, 11, 13].map((n) => `${filler(n)}https://s.example/unsubscribe/${v.unsub} and https://s.example/subscribe/manage/${v.manage}`).join('\n'),
    html: [0, 2, 5, 9].map((n) => `<p>${filler(n)}<a href="https://s.example/unsubscribe/${v.unsub}">Unsubscribe</a> <a href="https://s.example/subscribe/manage/${v.manage}">Manage</a></p>`).join(''),
    headers: { 'List-Unsubscribe': `<https://s.example/unsubscribe/${v.unsub}>` },
  };
}

describe('compileRaw + fillRaw: one message built once, values copied into its bytes', () => {
  it('gives the same message as building it for the recipient directly', async () => {
    const real = { to: 'someone.with.a.long.name@example.org', id: '<abc.def@s.example>', unsub: token('U'), manage: token('m') };
    const ph = { to: 'heraldrcpt@herald.invalid', id: '<heraldmsgid@herald.invalid>', unsub: tokenPlaceholder('unsub', 45), manage: tokenPlaceholder('manage', 45) };
    const template = await buildRaw(options(ph));
    expect(template).toMatch(/=\r\n/); // soft breaks do occur
    const compiled = compileRaw(template, { headers: { to: ph.to, id: ph.id }, tokens: { unsub: ph.unsub, manage: ph.manage } });
    expect(compiled).not.toBeNull();
    const filled = fillRaw(compiled!, real);
    expect(filled).not.toBeNull();
    const out = filled!.toString('utf8');
    const direct = await buildRaw(options(real));
    // The soft breaks sit where the placeholder's were: still within quoted-printable's 76 characters a line.
    const body = out.slice(out.indexOf('\r\n\r\n'));
    expect(Math.max(...body.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(76);
    const [a, b] = await Promise.all([simpleParser(out), simpleParser(direct)]);
    expect(a.text).toBe(b.text);
    expect(a.html).toBe(b.html);
    expect(a.messageId).toBe(real.id);
    expect((a.to as { text: string }).text).toBe(real.to);
    expect(out!.replace(/\r\n[ \t]+/g, " ")).toContain(`List-Unsubscribe: <https://s.example/unsubscribe/${real.unsub}>`);
  });

  it('refuses (so the caller builds normally) when a value could break the message', async () => {
    const ph = { to: 'heraldrcpt@herald.invalid', id: '<heraldmsgid@herald.invalid>', unsub: tokenPlaceholder('unsub', 45), manage: tokenPlaceholder('manage', 45) };
    const template = await buildRaw(options(ph));
    const compiled = compileRaw(template, { headers: { to: ph.to, id: ph.id }, tokens: { unsub: ph.unsub, manage: ph.manage } })!;
    const good = { to: 'a@b.c', id: '<x@y>', unsub: token('U'), manage: token('m') };
    expect(fillRaw(compiled, good)).not.toBeNull();
    expect(fillRaw(compiled, { ...good, to: 'a@b.c\r\nBcc: x@y.z' })).toBeNull();
    expect(fillRaw(compiled, { ...good, unsub: 'short' })).toBeNull();
    expect(fillRaw(compiled, { ...good, manage: token('=', 45) })).toBeNull();
    expect(fillRaw(compiled, { to: 'a@b.c', id: '<x@y>', unsub: token('U') })).toBeNull();
    // A placeholder that would be left behind (one not named as a slot) refuses the template.
    expect(compileRaw(template, { headers: { to: ph.to, id: ph.id }, tokens: { unsub: ph.unsub } })).toBeNull();
    // A header placeholder that is not in the header block (or not there exactly once) too.
    expect(compileRaw(template, { headers: { to: ph.to, id: ph.id, other: '<nowhere@herald.invalid>' }, tokens: { unsub: ph.unsub, manage: ph.manage } })).toBeNull();
  });
});
