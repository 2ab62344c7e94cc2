import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { PgLeadership } from '../../src/store/pg/leadership.ts';

/** A loopback port nothing listens on: every connection is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the lead while PostgreSQL cannot be reached', () => {
  it('is one log line for the outage, not one a try', async () => {
    const lines: string[] = [];
    const lead = new PgLeadership({
      url: `postgres://herald@127.0.0.1:${await closedPort()}/herald`,
      replica: 'test:1',
      retryMs: 50,
      log: (line) => lines.push(line),
    });
    await lead.start().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 600));
    await lead.close();
    expect(lead.isLeader).toBe(false);
    // Before: about a dozen identical lines in 600 ms (one a second with the default retry, for as long as it lasts).
    expect(lines).toEqual([expect.stringMatching(/^\[herald\] leadership: .*ECONNREFUSED.*; trying again every 0\.05 s$/)]);
  });
});
