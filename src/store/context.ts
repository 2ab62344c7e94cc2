import type { Pool } from './pg/client.ts';

/**
 * Where Herald keeps what it stores, for the storage adapters: the embedded
 * engine (files under DATA_DIR: the lowdb document and append-only journals)
 * or PostgreSQL (shared by every replica). Each part of the storage port
 * (src/store/*) opens its adapter from this.
 */
export type StoreContext =
  | { engine: 'embedded'; dataDir: string; now: () => Date; log: (line: string) => void }
  | { engine: 'postgres'; dataDir: string; pool: Pool; url: string; replica: string; now: () => Date; log: (line: string) => void };
