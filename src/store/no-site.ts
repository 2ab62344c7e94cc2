/** Where a process that only reads the site (openStorage's `existing`) found none: nothing was written. */
export class NoSite extends Error {
  constructor(dataDir: string, onPostgres: boolean) {
    super(
      onPostgres
        ? 'The database in DATABASE_URL holds no Herald site; nothing was written. Set DATABASE_URL to the database the service runs on.'
        : `${dataDir} holds no Herald site (no herald.json); nothing was written. Set DATA_DIR to the folder the service runs on.`,
    );
    this.name = 'NoSite';
  }
}
