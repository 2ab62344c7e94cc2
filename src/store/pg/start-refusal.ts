import pg from 'pg';
import { Unavailable } from '../../domain/errors.ts';
import { describePgError, isConnectionError, REPLICA_CONNECTIONS } from './client.ts';
import { MigrationError } from './migrate.ts';

/**
 * Why PostgreSQL turned this start away, as the one line src/server.ts prints (`herald: …`, exit 1):
 * what is wrong and what to change. Built from PostgreSQL's own reason (describePgError: SQLSTATE and
 * first line, which name the user or the database but never the password), never from DATABASE_URL,
 * whose password must not reach a log. Null for anything that is not PostgreSQL's or the connection's:
 * a failure of Herald's own keeps its stack.
 */
export function startRefusal(err: unknown, url: string): Unavailable | null {
  const line = refusalLine(err, certificateFiles(url));
  return line === null ? null : new Unavailable(`Herald cannot start: ${line}`, 'storage_unavailable');
}

/** The certificate files DATABASE_URL names (sslrootcert, sslcert, sslkey), which pg reads when it first connects. */
function certificateFiles(url: string): string[] {
  try {
    const params = new URL(url).searchParams;
    return ['sslrootcert', 'sslcert', 'sslkey'].flatMap((k) => params.get(k) ?? []);
  } catch {
    return [];
  }
}

function refusalLine(err: unknown, certificates: readonly string[]): string | null {
  if (!(err instanceof Error)) return null;
  const cause = err instanceof MigrationError ? err.cause : err;
  const code = sqlState(cause);
  const reason = describePgError(cause, false);
  // A migration or Herald's first table refused for want of a privilege (PostgreSQL 15 no longer lets
  // every user create in schema public): the user, not the migration, needs changing.
  if (code === '42501') {
    return `DATABASE_URL's user may not create or use Herald's tables (${reason}). Make it the database's owner (ALTER DATABASE … OWNER TO …), or grant it what it lacks.`;
  }
  // The search_path (DATABASE_URL's options, the role's or the database's settings) names no schema there.
  if (code === '3F000') {
    return `the search_path names no schema in the database in DATABASE_URL (${reason}). Create that schema, owned by DATABASE_URL's user, or correct search_path in DATABASE_URL's options or the database's settings.`;
  }
  if (err instanceof MigrationError) return firstLine(err.message);
  if (code === '28P01') return `PostgreSQL refused the user name or password in DATABASE_URL (${reason}). Correct them in DATABASE_URL.`;
  // 28000 is an unknown role, or pg_hba.conf has no line letting this user in from this host.
  if (code === '28000') {
    return `PostgreSQL refused DATABASE_URL's user (${reason}). Check the user in DATABASE_URL, and that the server's pg_hba.conf lets it connect from here.`;
  }
  // pg's own words (no SQLSTATE) when the server asks for a password and the URL has none.
  if (/client password must be a string/.test(err.message)) {
    return 'PostgreSQL asks for a password and DATABASE_URL has none. Add it: postgres://user:password@host/database.';
  }
  // TLS that DATABASE_URL asks for (sslmode) and the server or its certificate cannot give.
  if (/does not support SSL connections/.test(err.message)) {
    return 'DATABASE_URL asks for TLS (sslmode) and PostgreSQL does not offer it. Turn on ssl in the server, or change sslmode in DATABASE_URL.';
  }
  if (code !== undefined && TLS_CODES.has(code)) {
    return `PostgreSQL's TLS certificate was not accepted (${code}: ${firstLine(err.message)}). Check sslmode and sslrootcert in DATABASE_URL.`;
  }
  // pg reads the certificate files DATABASE_URL names (sslrootcert, sslcert, sslkey) when it first connects.
  const path = (err as { path?: unknown }).path;
  if ((code === 'ENOENT' || code === 'EACCES') && typeof path === 'string' && certificates.includes(path)) {
    return `Herald cannot read ${path} (${code}). Check the sslrootcert, sslcert and sslkey files DATABASE_URL names.`;
  }
  // pg parses DATABASE_URL only when it first connects, and redacts it from the error: nothing to quote.
  if (code === 'ERR_INVALID_URL') {
    return 'DATABASE_URL is not a valid URL. Check its host and port, and percent-encode any special character in its user name or password.';
  }
  // Before isConnectionError, which counts 3D000 as an outage (a database dropped while Herald runs).
  if (code === '3D000')
    return `the database in DATABASE_URL does not exist (${reason}). Create it, owned by DATABASE_URL's user, or correct DATABASE_URL.`;
  // Before isConnectionError too: PostgreSQL answered, and it is a limit to raise, not a server to bring back.
  if (code === '53300') {
    return `PostgreSQL has no connection slots left (max_connections, or a CONNECTION LIMIT of DATABASE_URL's user or database: ${reason}). Each Herald replica opens up to ${REPLICA_CONNECTIONS} connections: raise the limit PostgreSQL names, or end connections others hold there, then start again.`;
  }
  // No waiting here: a supervisor restarts the process, and each start tries again.
  if (isConnectionError(err)) return `PostgreSQL is unreachable (${reason}).`;
  // Whatever else PostgreSQL itself refused while Herald set up (an options= setting it rejects): its SQLSTATE
  // and words say what to change, a stack trace would only bury them.
  if (cause instanceof pg.DatabaseError) {
    return `PostgreSQL refused Herald's start on the database in DATABASE_URL (${reason}). Change what it names, in DATABASE_URL (its options) or in the database's settings.`;
  }
  return null;
}

/** Node's codes for a certificate it does not trust (a self-signed one, an unknown issuer, another host's, out of date). */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const firstLine = (text: string): string => text.split('\n')[0]!;
