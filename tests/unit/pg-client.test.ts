import { describe, expect, it } from 'vitest';
import { describePgError, isConnectionError } from '../../src/store/pg/client.ts';
import { MigrationError, planMigrations } from '../../src/store/pg/migrate.ts';
import { startRefusal } from '../../src/store/pg/start-refusal.ts';

/** The pure parts of the PostgreSQL engine: how failures are told apart, and how migration files are ordered. */
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it('counts unreachable servers, dropped connections and restarts', () => {
    expect(isConnectionError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(isConnectionError(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isConnectionError(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isConnectionError(withCode('connection failure', '08006'))).toBe(true);
    expect(isConnectionError(withCode('sorry, too many clients already', '53300'))).toBe(true);
    // pg's own, without a code.
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isConnectionError(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('does not count a statement PostgreSQL refused, or anything that is not an error', () => {
    expect(isConnectionError(withCode('relation "x" does not exist', '42P01'))).toBe(false);
    expect(isConnectionError(withCode('division by zero', '22012'))).toBe(false);
    expect(isConnectionError(withCode('canceling statement due to statement timeout', '57014'))).toBe(false);
    expect(isConnectionError(new RangeError('refused by the verb'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});

describe('describePgError', () => {
  it('gives the code and the first line, once', () => {
    expect(describePgError(withCode('terminating connection due to administrator command', '57P01'))).toBe(
      '57P01: terminating connection due to administrator command',
    );
    expect(describePgError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(describePgError(new Error('first line\nDETAIL: second'))).toBe('first line');
    expect(describePgError('plain')).toBe('plain');
    // Cut to 200 code units between characters: no emoji split in two.
    expect(describePgError(new Error(`x${'\u{1F600}'.repeat(150)}`)).isWellFormed()).toBe(true);
  });

  it('says what a full max_connections is, in the logs and at a start: PostgreSQL answered, it is no outage', () => {
    const full = withCode('sorry, too many clients already', '53300');
    expect(describePgError(full)).toBe(
      "53300: sorry, too many clients already; PostgreSQL has no connection slots left: max_connections, or a CONNECTION LIMIT of DATABASE_URL's user or database, is reached, and each replica opens up to 15 connections",
    );
    // Before: "Herald cannot start: PostgreSQL is unreachable (53300: sorry, too many clients already)."
    expect(startRefusal(full, 'postgres://herald@db/herald')?.message).toBe(
      "Herald cannot start: PostgreSQL has no connection slots left (max_connections, or a CONNECTION LIMIT of DATABASE_URL's user or database: 53300: sorry, too many clients already). Each Herald replica opens up to 15 connections: raise the limit PostgreSQL names, or end connections others hold there, then start again.",
    );
  });
});

describe('planMigrations', () => {
  it('orders by number (not by name), ignores other files', () => {
    const plan = planMigrations(['010_later.sql', 'README.md', '002_second.sql', '001_document.sql'], '/m');
    expect(plan.map((m) => [m.version, m.name, m.file])).toEqual([
      [1, '001_document.sql', '/m/001_document.sql'],
      [2, '002_second.sql', '/m/002_second.sql'],
      [10, '010_later.sql', '/m/010_later.sql'],
    ]);
  });

  it('refuses a badly named file and two files with one number', () => {
    expect(() => planMigrations(['1_short.sql'])).toThrow(MigrationError);
    expect(() => planMigrations(['001-dash.sql'])).toThrow(/NNN_words\.sql/);
    expect(() => planMigrations(['001_Capital.sql'])).toThrow(MigrationError);
    expect(() => planMigrations(['001_a.sql', '0001_b.sql'])).toThrow(/001_a\.sql and 0001_b\.sql have the same number/);
  });
});

describe('startRefusal', () => {
  const missing = (path: string) => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT', path });

  it('names a certificate file DATABASE_URL names that cannot be read, and no other missing file', () => {
    const url = 'postgres://h@db.example/herald?sslmode=verify-full&sslrootcert=/etc/ssl/pg-ca.pem';
    expect(startRefusal(missing('/etc/ssl/pg-ca.pem'), url)?.message).toMatch(
      /cannot read \/etc\/ssl\/pg-ca\.pem \(ENOENT\)\. Check the sslrootcert/,
    );
    // A missing migrations folder (a broken install) is not the certificates' fault: it keeps its stack.
    expect(startRefusal(missing('/opt/herald/src/store/migrations'), url)).toBeNull();
  });
});
