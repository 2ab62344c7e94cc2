import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { buildRaw, personalize, tokenPlaceholder } from '../../src/notify/raw-mail.ts';

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

describe('personalize: one message built once, values swapped into its bytes', () => {
  it('gives the same message as building it for the recipient directly', async () => {
    const real = { to: 'someone.with.a.long.name@example.org', id: '<abc.def@s.example>', unsub: token('U'), manage: token('m') };
    const ph = { to: 'heraldrcpt@herald.invalid', id: '<heraldmsgid@herald.invalid>', unsub: tokenPlaceholder('unsub', 45), manage: tokenPlaceholder('manage', 45) };
    const template = await buildRaw(options(ph));
    expect(template).toMatch(/=\r\n/); // soft breaks do occur
    const out = personalize(template, {
      headers: { [ph.to]: real.to, [ph.id]: real.id },
      tokens: { [ph.unsub]: real.unsub, [ph.manage]: real.manage },
    });
    expect(out).not.toBeNull();
    const [a, b] = await Promise.all([simpleParser(out!), simpleParser(await buildRaw(options(real)))]);
    expect(a.text).toBe(b.text);
    expect(a.html).toBe(b.html);
    expect(a.messageId).toBe(real.id);
    expect((a.to as { text: string }).text).toBe(real.to);
    expect(out!.replace(/\r\n[ \t]+/g, " ")).toContain(`List-Unsubscribe: <https://s.example/unsubscribe/${real.unsub}>`);
  });

  it('refuses (so the caller builds normally) when a value could break the message', async () => {
    const ph = { to: 'heraldrcpt@herald.invalid', id: '<heraldmsgid@herald.invalid>', unsub: tokenPlaceholder('unsub', 45), manage: tokenPlaceholder('manage', 45) };
    const template = await buildRaw(options(ph));
    const base = { headers: { [ph.id]: '<x@y>' }, tokens: { [ph.unsub]: token('U'), [ph.manage]: token('m') } };
    expect(personalize(template, { ...base, headers: { ...base.headers, [ph.to]: 'a@b.c\r\nBcc: x@y.z' } })).toBeNull();
    expect(personalize(template, { ...base, headers: { ...base.headers, [ph.to]: 'a@b.c' }, tokens: { [ph.unsub]: 'short' } })).toBeNull();
    // A placeholder left behind (one not swapped) is refused too.
    expect(personalize(template, { headers: { [ph.to]: 'a@b.c', [ph.id]: '<x@y>' }, tokens: { [ph.unsub]: token('U') } })).toBeNull();
  });
});
