import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { ParsedMail } from 'mailparser';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, startMailedSite, until } from '../helpers/mail-flow.ts';

/**
 * README's remedies for a lost or broken herald.json, and a version rolled back, put an older copy of the
 * document back beside newer outboxes. The incident ids given since are then no longer in the data, but the
 * outboxes still name them: given again, a new incident's postmortem was counted as already sent (nobody was
 * emailed, the console said sent), its emails joined the old incident's thread, and the old emails' links
 * opened the new incident.
 */

/** The stored document as it is now, and a function that puts it back (a backup restored while Herald is stopped). */
async function backup(h: HeraldProcess): Promise<() => Promise<void>> {
  if (!h.databaseUrl) {
    const file = join(h.dataDir, 'herald.json');
    const text = readFileSync(file, 'utf8');
    return async () => writeFileSync(file, text);
  }
  const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: h.databaseUrl! });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const [row] = await sql<{ data: string }>('SELECT data::text AS data FROM herald_document WHERE id = 1');
  return async () => void (await sql('UPDATE herald_document SET data = $1::json, version = version + 1 WHERE id = 1', [row!.data]));
}

let smtp: TestSmtp;
let h: HeraldProcess | null = null;
const dir = tempDataDir();

beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => stopAll(h, smtp, dir));

const refs = (m: ParsedMail): string[] => [m.inReplyTo ?? [], m.references ?? []].flat().filter(Boolean);
const subjects = async () => Promise.all(smtp.received.map(async (r) => (await smtp.parse(r)).subject ?? ''));

/** Declares an incident on the API, resolves it and publishes its postmortem with an email: its id. */
async function incidentWithPostmortem(name: string): Promise<string> {
  const declared = await h!.admin('/incidents', {
    body: {
      name,
      impact: 'major',
      status: 'investigating',
      body: `${name} is being looked at.`,
      components: { api: 'major_outage' },
      notify: true,
    },
  });
  expect(declared.status).toBe(201);
  const { id } = (await declared.json()) as { id: string };
  const resolved = await h!.admin(`/incidents/${id}/updates`, {
    body: { status: 'resolved', body: 'Fixed.', components: { api: 'operational' }, notify: true },
  });
  expect(resolved.status).toBe(201);
  const published = await h!.admin(`/incidents/${id}/postmortem`, {
    method: 'PUT',
    body: { body: `## Summary\n${name} had a cause.`, publish: true, notify: true },
  });
  expect(published.status).toBe(200);
  return id;
}

describe('an older herald.json restored beside newer outboxes (a backup, a version rolled back)', () => {
  it('gives a new incident an id the outboxes do not name, so its postmortem is emailed and its thread is its own', async () => {
    h = await startMailedSite(dir, smtp, [{ id: 'api', name: 'API' }]);
    const restore = await backup(h);
    const first = await incidentWithPostmortem('Incident A');
    await until(async () => (await subjects()).some((s) => s.includes('Postmortem') && s.includes('Incident A')), "A's postmortem email");
    await outboxSettled(h);
    const ofA = new Set(smtp.received.map((r) => r.messageId));
    // A's conversation: its messages and every id they refer to (a thread's root may be no message sent).
    const threadOfA = new Set(ofA);
    for (const m of await Promise.all(smtp.received.map((r) => smtp.parse(r)))) for (const ref of refs(m)) threadOfA.add(ref);

    await h.stop();
    await restore();
    h = await startHerald({ dataDir: dir, env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
    const second = await incidentWithPostmortem('Incident B');
    expect(second, 'a new id, not the one the outboxes hold').not.toBe(first);
    await until(async () => (await subjects()).some((s) => s.includes('Postmortem') && s.includes('Incident B')), "B's postmortem email");
    // None of B's messages refers to A's: a mail client shows B as a conversation of its own.
    const ofB = await Promise.all(smtp.received.filter((r) => !ofA.has(r.messageId)).map((r) => smtp.parse(r)));
    expect(ofB.length).toBeGreaterThanOrEqual(3);
    expect(ofB.filter((m) => threadOfA.has(m.messageId ?? '') || refs(m).some((ref) => threadOfA.has(ref))).map((m) => m.subject)).toEqual(
      [],
    );
  });
});
