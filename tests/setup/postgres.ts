import type { TestProject } from 'vitest/node';
import { startPgCluster } from '../helpers/pg.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's admin URL, in the `postgres` project only (tests/helpers/app.ts makes a database per Herald from it). */
    pgAdminUrl: string;
  }
}

/** Global setup of the `postgres` project (vitest.config.ts): one throwaway PostgreSQL 15 cluster for its files. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPgCluster();
  project.provide('pgAdminUrl', cluster.url);
  return () => cluster.destroy();
}
