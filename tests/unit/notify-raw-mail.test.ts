import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { buildRaw, compileRaw, fillRaw, tokenPlaceholder } from '../../src/notify/raw-mail.ts';
import { listId } from '../../src/notify/compose.ts';

const token = (c: string, n = 45) => `abcdefghij12.${c.repeat(n - 13)}`;

function options(
  v: { to: string; id: string; unsub: string; manage: string; root?: string },
  extra: { prose?: string; textEncoding?: 'quoted-printable' } = {},
) {
  // Long lines and links at many offsets, so quoted-printable soft breaks land inside the tokens.
  const filler = (n: number) => 'word '.repeat(n);
  return {
    from: 'Status <status@example.com>',
    to: { name: '', address: v.to },
    subject: 'Incident',
    messageId: v.id,
    date: new Date('2026-11-23T10:00:00Z'),
    text:
      (extra.prose ?? '') +
      [0, 3, 7, 11, 13]
        .map((n) => `${filler(n)}https://s.example/unsubscribe/${v.unsub} and https://s.example/subscribe/manage/${v.manage}`)
        .join('\n'),
    html: [0, 2, 5, 9]
      .map(
        (n) =>
          `<p>${filler(n)}<a href="https://s.example/unsubscribe/${v.unsub}">Unsubscribe</a> <a href="https://s.example/subscribe/manage/${v.manage}">Manage</a></p>`,
      )
      .join(''),
    headers: { 'List-Unsubscribe': `<https://s.example/unsubscribe/${v.unsub}>` },
    ...(v.root ? { inReplyTo: v.root, references: [v.root] } : {}),
    ...(extra.textEncoding ? { textEncoding: extra.textEncoding } : {}),
  };
}

const PH = {
  to: 'heraldrcpt@herald.invalid',
  id: '<heraldmsgid@herald.invalid>',
  root: '<heraldrootid@herald.invalid>',
  unsub: tokenPlaceholder('unsub', 45),
  manage: tokenPlaceholder('manage', 45),
};
const SLOTS = { headers: { to: PH.to, id: PH.id }, tokens: { unsub: PH.unsub, manage: PH.manage } };

describe('compileRaw + fillRaw: one message built once, values copied into its bytes', () => {
  it('gives the same message as building it for the recipient directly', async () => {
    const real = { to: 'someone.with.a.long.name@example.org', id: '<abc.def@s.example>', unsub: token('U'), manage: token('m') };
    const ph = {
      to: 'heraldrcpt@herald.invalid',
      id: '<heraldmsgid@herald.invalid>',
      unsub: tokenPlaceholder('unsub', 45),
      manage: tokenPlaceholder('manage', 45),
    };
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
    expect(out!.replace(/\r\n[ \t]+/g, ' ')).toContain(`List-Unsubscribe: <https://s.example/unsubscribe/${real.unsub}>`);
  });

  it('refuses (so the caller builds normally) when a value could break the message', async () => {
    const ph = {
      to: 'heraldrcpt@herald.invalid',
      id: '<heraldmsgid@herald.invalid>',
      unsub: tokenPlaceholder('unsub', 45),
      manage: tokenPlaceholder('manage', 45),
    };
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
    expect(
      compileRaw(template, {
        headers: { to: ph.to, id: ph.id, other: '<nowhere@herald.invalid>' },
        tokens: { unsub: ph.unsub, manage: ph.manage },
      }),
    ).toBeNull();
  });

  it('fills a placeholder wherever it appears in the headers (In-Reply-To and References of a threaded notice)', async () => {
    const template = await buildRaw(options({ ...PH }));
    const compiled = compileRaw(template, { headers: { ...SLOTS.headers, root: PH.root }, tokens: SLOTS.tokens });
    expect(compiled).not.toBeNull();
    const root = '<first.notice@s.example>';
    const parsed = await simpleParser(fillRaw(compiled!, { to: 'a@b.c', id: '<x@y>', root, unsub: token('U'), manage: token('m') })!);
    expect(parsed.inReplyTo).toBe(root);
    expect(parsed.references).toBe(root);
  });

  it('refuses a body in base64 (placeholders cannot be seen there); quoted-printable works for any script', async () => {
    const prose = '障害が発生しています。復旧作業を進めています。'.repeat(60) + '\n';
    const base64 = await buildRaw(options({ ...PH }, { prose }));
    expect(base64).toMatch(/Content-Transfer-Encoding: base64/);
    expect(compileRaw(base64, SLOTS)).toBeNull();
    const qp = compileRaw(await buildRaw(options({ ...PH }, { prose, textEncoding: 'quoted-printable' })), SLOTS);
    expect(qp).not.toBeNull();
    const real = { to: 'a@b.c', id: '<x@y>', unsub: token('U'), manage: token('m') };
    const [a, b] = await Promise.all([
      simpleParser(fillRaw(qp!, real)!),
      simpleParser(await buildRaw(options(real, { prose, textEncoding: 'quoted-printable' }))),
    ]);
    expect(a.text).toBe(b.text);
    expect(a.text).toContain(`unsubscribe/${real.unsub}`);
    expect(a.text).not.toMatch(/HERALD/);
  });

  it('refuses header values that are not printable ASCII', async () => {
    const compiled = compileRaw(await buildRaw(options({ ...PH })), SLOTS)!;
    const good = { to: 'a@b.c', id: '<x@y>', unsub: token('U'), manage: token('m') };
    expect(fillRaw(compiled, { ...good, to: 'a b@c.d' })).toBeNull();
    expect(fillRaw(compiled, { ...good, to: 'ünïcode@c.d' })).toBeNull();
  });

  it('fills into memory of its own, so posting it to the SMTP thread copies its bytes and not a 64 KB pool block', async () => {
    const compiled = compileRaw(await buildRaw(options({ ...PH })), SLOTS)!;
    const filled = fillRaw(compiled, { to: 'a@b.c', id: '<x@y>', unsub: token('U'), manage: token('m') })!;
    expect(filled.length).toBeLessThan(Buffer.poolSize / 2); // small enough that allocUnsafe would slice the pool
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(filled);
    const crossed = receiveMessageOnPort(port2)!.message as Uint8Array;
    port1.close();
    expect(crossed.buffer.byteLength).toBe(filled.length);
    expect(Buffer.from(crossed).equals(filled)).toBe(true);
  });
});

// From a hunt: the placeholders were fixed strings ("HERALDUNSUBZZZ…"), so one written into an update's link was
// filled with each recipient's own unsubscribe token, sent to wherever the link led; and any text holding the
// word "HERALD" sent every recipient down the slow way.
describe('text that looks like a placeholder', () => {
  it('is left as written, and the message is still built once', async () => {
    const fixed = 'HERALDUNSUB'.padEnd(45, 'Z');
    const ph = { to: PH.to, id: PH.id, unsub: tokenPlaceholder('unsub', 45), manage: tokenPlaceholder('manage', 45) };
    expect(ph.unsub).not.toMatch(/^HERALD/);
    const prose = `See https://evil.example/${fixed} and HERALD news.\n`;
    const template = await buildRaw(options(ph, { prose, textEncoding: 'quoted-printable' }));
    const compiled = compileRaw(template, SLOTS);
    expect(compiled).not.toBeNull();
    const real = { to: 'a@b.c', id: '<x@y>', unsub: token('U'), manage: token('m') };
    const text = (await simpleParser(fillRaw(compiled!, real)!)).text!;
    expect(text).toContain(`https://evil.example/${fixed} and HERALD news.`);
    expect(text).not.toContain(`https://evil.example/${real.unsub}`);
  });
});

describe('List-Id', () => {
  const parsedId = async (siteName: string) => {
    const raw = await buildRaw({
      from: 'a@b.c',
      to: 'd@e.f',
      subject: 's',
      text: 't',
      headers: { 'List-Id': listId(siteName, 'example.com') },
    });
    const head = raw.split('\r\n\r\n')[0]!;
    return { head, list: (await simpleParser(raw)).headers.get('list') as { id?: { id?: string; name?: string } } };
  };

  it('keeps the <id> readable whatever the site is called (RFC 2919), the name encoded or quoted apart from it', async () => {
    // Before: a name that is not ASCII had the whole value encoded, <status.example.com> inside it: no id.
    for (const name of ['Café Ünïcødé & <Ops> "Status"', 'Acme, Inc.', 'Herald Status', 'Статус сервиса '.repeat(6).trim()]) {
      const { head, list } = await parsedId(name);
      expect(list.id?.id, name).toBe('status.example.com');
      for (const line of head.split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(998);
    }
    expect((await parsedId('Acme, Inc.')).head).toContain('List-ID: "Acme, Inc." <status.example.com>');
    expect((await parsedId('Herald Status')).head).toContain('List-ID: Herald Status <status.example.com>');
  });

  it('does not double a host that already starts with "status."', () => {
    // Before: <status.status.example.com>.
    expect(listId('Acme', 'status.example.com').value).toBe('Acme <status.example.com>');
    expect(listId('Acme', 'example.com').value).toBe('Acme <status.example.com>');
  });
});
