import { chmodSync, statSync } from 'node:fs';

/**
 * Sets a file Herald keeps a secret in (the admin token, the link key, the data and the journals with every
 * subscriber's address) back to 0600 when others may read it: Herald writes them 0600, but a restore
 * (`cp -r`, a backup tool, an archive) makes them with the umask's 0644, and they would stay so for good.
 * A file of another owner is left as it is (its mode is their choice, and chmod would fail); so is a
 * missing one. One line per file set, naming it: never what it holds.
 */
export function keepPrivate(file: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if ((st.mode & 0o077) === 0 || !st.isFile()) return;
  if (process.getuid && st.uid !== process.getuid()) return;
  const was = (st.mode & 0o777).toString(8).padStart(4, '0');
  try {
    chmodSync(file, 0o600);
  } catch (err) {
    // A read-only mount (a secret mounted into a container): its mode is not Herald's to change.
    console.warn(
      `herald: ${file} is mode ${was}, readable by other users, and could not be set to 0600 (${(err as NodeJS.ErrnoException).code})`,
    );
    return;
  }
  console.warn(`herald: ${file} was mode ${was}, readable by other users: set to 0600`);
}
