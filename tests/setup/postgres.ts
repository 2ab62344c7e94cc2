import type { TestProject } from 'vitest/node';
import { migratedDatabase, startPgCluster } from '../helpers/pg.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's admin URL, in the `postgres` project only (tests/helpers/app.ts makes a database per Herald from it). */
    pgAdminUrl: string;
    /** The cluster's database holding Herald's tables and nothing else: the template of each Herald's database (tests/helpers/engine.ts). */
    pgHeraldTemplate: string;
  }
}

/**
 * Global setup of the `postgres` project (vitest.config.ts): one throwaway PostgreSQL 15 cluster for its files,
 * and in it a database migrated once, that each Herald's database is copied from.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPgCluster();
  try {
    const { url, pool } = await migratedDatabase(cluster, 'herald-test-template');
    // A template is copied only while nobody is connected to it.
    await pool.end();
    project.provide('pgHeraldTemplate', decodeURIComponent(new URL(url).pathname.slice(1)));
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  project.provide('pgAdminUrl', cluster.url);
  return () => cluster.destroy();
}
