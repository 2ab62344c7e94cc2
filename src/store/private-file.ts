import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What setting one path private did: nothing to do, set (from `was`), or refused (`code`). */
type Outcome = null | { was: string; code: string | null };

/**
 * Sets `path` to `mode` when others may read it. A path of another owner is left as it is (its mode is their
 * choice, and chmod would fail); so is a missing one, or one of another kind than `dir` says.
 */
function tighten(path: string, mode: 0o600 | 0o700, dir: boolean): Outcome {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if ((st.mode & 0o077) === 0 || (dir ? !st.isDirectory() : !st.isFile())) return null;
  if (process.getuid && st.uid !== process.getuid()) return null;
  const was = (st.mode & 0o777).toString(8).padStart(4, '0');
  try {
    chmodSync(path, mode);
  } catch (err) {
    // A read-only mount (a secret mounted into a container): its mode is not Herald's to change.
    return { was, code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  return { was, code: null };
}

function say(path: string, mode: string, outcome: Outcome): void {
  if (!outcome) return;
  if (outcome.code === null) console.warn(`herald: ${path} was mode ${outcome.was}, readable by other users: set to ${mode}`);
  else console.warn(`herald: ${path} is mode ${outcome.was}, readable by other users, and could not be set to ${mode} (${outcome.code})`);
}

/**
 * Sets a file Herald keeps a secret in (the admin token, the link key, the data, its upgrade backups and the
 * journals with every subscriber's address) back to 0600 when others may read it: Herald writes them 0600, but a
 * restore (`cp -r`, a backup tool, an archive) makes them with the umask's 0644, and they would stay so for good.
 * One line per file set, naming it: never what it holds.
 */
export function keepPrivate(file: string): void {
  say(file, '0600', tighten(file, 0o600, false));
}

/**
 * keepPrivate for a folder Herald made for itself (the outbox) and the files in it that `holds` names: the folder
 * back to 0700, the files to 0600. The outbox holds one file per message sent (30 days of fan-outs: tens of
 * thousands), so they are told of in one line with their count, not one line each.
 */
export function keepFolderPrivate(dir: string, holds: (name: string) => boolean): void {
  const folder = tighten(dir, 0o700, true);
  say(dir, '0700', folder);
  let names: string[];
  try {
    names = readdirSync(dir).filter(holds);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const changed: Array<{ file: string; outcome: NonNullable<Outcome> }> = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const outcome = tighten(file, 0o600, false);
      if (outcome) changed.push({ file, outcome });
    } catch {
      // Gone meanwhile (the outbox's sweep), or not stat-able: its mode cannot be read, nor set.
    }
  }
  const [one] = changed;
  if (changed.length === 1 && one) {
    say(one.file, '0600', one.outcome);
    return;
  }
  const set = new Map<string, number>();
  const refused = new Map<string, number>();
  for (const { outcome } of changed) {
    const [into, key] = outcome.code === null ? [set, outcome.was] : [refused, `${outcome.was}, ${outcome.code}`];
    into.set(key, (into.get(key) ?? 0) + 1);
  }
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const modes = (m: Map<string, number>) => [...m].map(([k, n]) => `${n} mode ${k}`).join('; ');
  if (set.size > 0) console.warn(`herald: ${total(set)} files in ${dir} were readable by other users (${modes(set)}): set to 0600`);
  if (refused.size > 0)
    console.warn(`herald: ${total(refused)} files in ${dir} are readable by other users and could not be set to 0600 (${modes(refused)})`);
}
