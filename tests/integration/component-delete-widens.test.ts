import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, fieldsOf, textOf } from '../helpers/dom.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * From a hunt: deleting a component said only that it "cannot be undone", while a channel scoped to it
 * alone, and every subscriber following it alone, then gets every incident and window (a war room or a
 * partner's webhook flooded, subscribers mailed about everything). The question now says so, with names
 * and counts, before anything is deleted.
 */
let h: HeraldProcess;
let s: ConsoleSession;
const dataDir = tempDataDir();

beforeAll(async () => {
  seedSubscribers(dataDir, [
    { email: 'payroll-only@example.com', components: ['payroll'] },
    { email: 'payroll-too@example.com', components: ['payroll', 'api'] },
    { email: 'pending@example.com', components: ['payroll'], state: 'pending' },
    { email: 'everything@example.com' },
  ]);
  h = await startHerald({ dataDir });
  for (const [id, name] of [
    ['api', 'API'],
    ['payroll', 'Payroll'],
    ['reports', 'Reports'],
  ])
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  const channel = (name: string, components: string[]) =>
    h.admin('/channels', { body: { kind: 'slack', name, url: `https://hooks.slack.com/services/T0/B0/${name.length}`, components } });
  for (const [name, components] of [
    ['Payroll room', ['payroll']],
    ['Money room', ['payroll', 'api']],
    ['Everything room', []],
  ] as const)
    expect((await channel(name, [...components])).status).toBe(201);
  s = await signIn(h);
}, 60_000);
afterAll(async () => {
  await stopAll(h);
  removeDir(dataDir);
});

const question = async (id: string) => {
  const ask = await s.post('/admin/components', { action: 'delete', id });
  expect(ask.status).toBe(200);
  return byId(dom(await ask.text()), 'confirm-delete')!;
};

describe('deleting a component says who then gets everything', () => {
  it('names the channels following it alone and counts the confirmed subscribers following it alone', async () => {
    const asked = await question('payroll');
    expect(textOf(asked)).toContain(
      'The channel “Payroll room” follows only it, so it then gets the updates of every incident and window. ' +
        'To keep it narrow, choose its components on the Channels page first.',
    );
    expect(textOf(asked)).toContain('1 subscriber follows only it, and then hears about every component.');
    expect(textOf(asked)).not.toContain('Money room');
    // The question deletes nothing; the confirmation does, and the channel then reads as following everything.
    const confirmed = await s.post('/admin/components', fieldsOf(all(asked, (e) => e.name === 'form')[0]!));
    expect(confirmed.status).toBe(303);
    const channels = (await (await h.admin('/channels')).json()).channels as Array<{ name: string; components: string[] }>;
    expect(channels.find((c) => c.name === 'Money room')!.components).toEqual(['api']);
  });

  it('says nothing more of a component nobody follows alone', async () => {
    const asked = await question('reports');
    expect(textOf(asked)).not.toContain('follows only it');
    expect(textOf(asked)).not.toContain('subscriber');
  });
});
